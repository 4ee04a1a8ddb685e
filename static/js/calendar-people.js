// Who the week editor and the weekly hours are working with: the calendar's owner (for its heading),
// the people who may change them (named in conflicts: /api/me, the collaborator list, presence,
// events) and who else is editing right now.
import { api } from './api.js';
import { h } from './dom.js';

export function createCalendarPeople({ me, instructorId, isOwner, onOwnerName, alive }) {
  const names = new Map([[String(me.id), me.full_name]]);
  const managed = (me.manages ?? []).find((m) => String(m.instructor_id) === instructorId);
  if (managed) names.set(instructorId, managed.full_name);
  const presence = h('div', { class: 'presence', 'data-testid': 'presence', hidden: true });

  onOwnerName(names.get(instructorId));
  if (!names.has(instructorId)) {
    api.get(`/api/instructors/${instructorId}`).then((p) => {
      if (p?.full_name && alive()) { names.set(instructorId, p.full_name); onOwnerName(p.full_name); }
    }).catch(() => {});
  }
  if (isOwner) {
    api.get(`/api/instructors/${instructorId}/collaborators`).then((people) => {
      for (const p of people) if (!names.has(String(p.user_id))) names.set(String(p.user_id), p.full_name);
    }).catch(() => {});
  }

  const nameOf = (id) => (id == null ? 'Another editor'
    : String(id) === String(me.id) ? 'You (in another window)' : names.get(String(id)) ?? 'Another editor');

  return {
    presence,
    nameOf,
    // An event that names who saved: remembered for the conflicts that follow.
    remember(id, name) {
      if (id != null && name) names.set(String(id), name);
    },
    // 'Max Manager and Ada Keys' for the ids that changed the calendar (null: someone unknown).
    whoOf(ids) {
      const known = ids.length > 1 ? ids.filter((id) => id != null) : ids;
      return known.length ? known.map(nameOf).join(' and ') : null;
    },
    showPresence(editors) {
      const seen = new Set();
      for (const e of editors ?? []) names.set(String(e.user_id), e.full_name);
      const others = (editors ?? [])
        .filter((e) => String(e.user_id) !== String(me.id) && !seen.has(e.user_id) && seen.add(e.user_id))
        .map((e) => e.full_name);
      presence.textContent = others.length ? `Also editing: ${others.join(', ')}` : '';
      presence.hidden = !others.length;
    },
  };
}
