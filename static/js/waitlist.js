// "Tell me when a slot opens" (API.md "Calendar feeds and waitlist") on a public profile, for a
// logged-in student: a window (at most 14 days, in the future) and a lesson length; the student's
// entries with this instructor, each with Delete. The server sends waitlist.slot_open live.
import { api, ApiError, describeError } from './api.js';
import { lengthLabel } from './booking-review.js';
import { h, placeholder, replace } from './dom.js';
import { formatMoment } from './time.js';

const DAY_MS = 86400000;

// A datetime-local value ('2026-12-05T18:00') for a Date, in the browser's own clock.
function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input, hint ? h('span', { class: 'field-hint' }, hint) : null);
}

export function mountWaitlist(container, ctx, instructor) {
  const me = ctx.me;
  const durations = [...new Set(instructor.services.flatMap((s) => s.durations_minutes))].sort((a, b) => a - b);
  const tomorrow = new Date(Date.now() + DAY_MS);
  tomorrow.setHours(9, 0, 0, 0);
  const start = h('input', { type: 'datetime-local', 'data-testid': 'waitlist-start', value: localInput(tomorrow), required: true });
  const end = h('input', { type: 'datetime-local', 'data-testid': 'waitlist-end', value: localInput(new Date(tomorrow.getTime() + 7 * DAY_MS)), required: true });
  const length = h('select', { 'data-testid': 'waitlist-length' }, durations.map((m) => h('option', { value: m }, lengthLabel(m))));
  const note = h('p', { class: 'banner', role: 'status', 'data-testid': 'waitlist-status', hidden: true });
  const list = h('div', { 'data-testid': 'waitlist-entries' });
  const say = (text, kind) => { note.textContent = text; note.className = `banner banner-${kind}`; note.hidden = !text; };
  const when = (iso) => formatMoment(new Date(iso), me.timezone);

  async function load() {
    try {
      const mine = (await api.get('/api/me/waitlist') ?? []).filter((e) => String(e.instructor_id) === String(instructor.id));
      replace(list, mine.length ? h('ul', { class: 'waitlist-list' }, mine.map((e) => h('li', { class: 'waitlist-entry', 'data-testid': 'waitlist-entry', 'data-id': e.id },
        h('span', {}, `${lengthLabel(e.duration_minutes)} between ${when(e.start)} and ${when(e.end)}`),
        h('button', {
          class: 'btn btn-small btn-danger', 'data-testid': 'waitlist-delete', 'aria-label': `Stop waiting for ${lengthLabel(e.duration_minutes)} from ${when(e.start)}`,
          onclick: async () => {
            try {
              await api.del(`/api/me/waitlist/${e.id}`);
              say('Removed: you will not be told about that window.', 'ok');
              load();
            } catch (err) { say(describeError(err), 'error'); }
          },
        }, 'Delete'))))
        : h('p', { class: 'muted small', 'data-testid': 'waitlist-none' }, 'You are not waiting for an opening with this instructor.'));
    } catch (err) {
      replace(list, placeholder('error', describeError(err)));
    }
  }

  const form = h('form', {
    class: 'waitlist-form', 'data-testid': 'waitlist-form',
    onsubmit: async (e) => {
      e.preventDefault();
      const from = new Date(start.value);
      const to = new Date(end.value);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return say('Give the start and end of the window.', 'error');
      if (to <= from) return say('The window must end after it starts.', 'error');
      if (to - from > 14 * DAY_MS) return say('A window can be at most 14 days long.', 'error');
      try {
        await api.post(`/api/instructors/${instructor.id}/waitlist`, {
          start: from.toISOString(), end: to.toISOString(), duration_minutes: Number(length.value),
        });
        say(`Done: we will tell you when ${instructor.full_name} has ${lengthLabel(Number(length.value))} open in that window.`, 'ok');
        load();
      } catch (err) {
        const fields = err instanceof ApiError ? Object.values(err.fieldErrors()) : [];
        say(fields.length ? `Not saved: ${fields.join('; ')}` : describeError(err), 'error');
      }
    },
  },
  h('div', { class: 'waitlist-fields' },
    field('From', start), field('Until', end, 'Up to 14 days'), field('Lesson length', length)),
  h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'waitlist-submit' }, 'Tell me when a slot opens'));

  replace(container, h('h2', { class: 'section-title', id: 'waitlist-title' }, 'Tell me when a slot opens'),
    h('p', { class: 'muted small' }, 'Nothing suits you? We notify you (here and live) when a lesson of that length opens in your window.'),
    form, note, h('h3', { class: 'small-title' }, 'Your waitlist with this instructor'), list);
  load();
}
