// The weekly hours (#/calendar/{instructor_id}/weekly): the template every week without hours of
// its own follows, from the current week on. Seven weekdays in the day list (day-list.js: typed
// From/To, Change, Remove), saved whole with If-Match, and live on the editors' channel
// `calendar:{id}:template`: another editor's save (`template.updated`, with the hours and who saved)
// is shown at once, or, over unsaved edits, as a conflict naming them that keeps the edits: they can
// be re-applied on top of the newer version. Presence says who else has the weekly hours open.
import { describeError, request } from './api.js';
import { bookingLine, createConflictBanner, listOf, reapplyReport } from './calendar-conflict.js';
import { createCalendarPeople } from './calendar-people.js';
import { createDayList } from './day-list.js';
import { h, placeholder, randomId, replace } from './dom.js';
import { addRange, cloneDays, diffDays, reapplyEdits, removeRange, replaceRange, sameDays } from './ranges.js';
import { zoneCity } from './time.js';

const CLIENT_ID = randomId();
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const dayName = (day) => NAMES[day] ?? day;

// Unsaved edits of the weekly hours the user navigated away from, for this page load: id → { tpl, local }.
const drafts = new Map();
let openScreen = null; // the mounted screen: { dirty(), discard() }

export function hasUnsavedWeeklyEdits() {
  return drafts.size > 0 || Boolean(openScreen?.dirty());
}

export function discardUnsavedWeeklyEdits() {
  drafts.clear();
  openScreen?.discard();
}

window.addEventListener('beforeunload', (event) => {
  if (!hasUnsavedWeeklyEdits()) return;
  event.preventDefault();
  event.returnValue = ''; // older browsers ask only when this is set
});

const emptyWeek = () => Object.fromEntries(WEEKDAYS.map((d) => [d, []]));
const asWeekdays = (weekdays) => cloneDays({ ...emptyWeek(), ...(weekdays ?? {}) });
// Versions are "<revision>.<digest>": a later save has a higher revision.
const revision = (version) => Number.parseInt(String(version), 10) || 0;

export function mountWeekly(root, ctx, params) {
  const { me } = ctx;
  const instructorId = params.id;
  const url = `/api/instructors/${instructorId}/availability/template`;
  const key = `${me.id}:${instructorId}`;
  const isOwner = String(me.id) === instructorId;

  const state = {
    tpl: null, // the weekly hours as the server last told us
    local: null, // the weekdays being edited
    saving: false,
    heldBack: null, // another editor's save that arrived while ours was in flight: { tpl, by }
    current: null, // a newer version than the one the edits started from (a refused save, or live)
    changedBy: new Set(), // ids of the editors who saved since the edits started (null: unknown)
    errors: {}, // weekday → message, from a 400
  };
  let alive = true;
  let ownerName = null;

  const dirty = () => Boolean(state.tpl) && !sameDays(state.local, asWeekdays(state.tpl.weekdays));

  // ---- DOM ----
  const owner = h('h1', { class: 'calendar-owner', 'data-testid': 'weekly-owner' });
  const zoneNote = h('p', { class: 'muted small' });
  const saveButton = h('button', { class: 'btn btn-primary', 'data-testid': 'weekly-save', onclick: () => save() }, 'Save');
  const saveStatus = h('div', { class: 'save-status', 'data-testid': 'weekly-status', role: 'status', 'aria-live': 'polite' });
  const people = createCalendarPeople({
    me, instructorId, isOwner, alive: () => alive, onOwnerName: (name) => { ownerName = name; showOwner(); },
  });
  const banner = createConflictBanner({ onReapply: () => reapply(), onDiscard: () => discard(), subject: 'these weekly hours', dayName });
  const dayList = createDayList({
    onAdd: (day, from, to) => edit(day, (ranges) => addRange(ranges, from, to)),
    onRemove: (day, range) => edit(day, (ranges) => removeRange(ranges, range, [])),
    onChange: (day, range, next) => edit(day, (ranges) => replaceRange(ranges, range, next)),
  });
  const box = h('div', { class: 'card weekly-card', 'data-testid': 'weekly-days' }, placeholder('loading', 'Loading weekly hours…'));

  replace(root, h('section', { class: 'page' },
    h('div', { class: 'calendar-head weekly-head' },
      h('div', { class: 'calendar-titles' },
        h('a', { href: `#/calendar/${instructorId}`, class: 'back-link', 'data-testid': 'weekly-back' }, '‹ Back to the calendar'),
        owner,
        h('p', { class: 'weekly-intro' }, 'Every week follows these hours unless you give it hours of its own in the calendar.'),
        zoneNote,
        people.presence)),
    banner.el,
    box,
    // Stays in view at the bottom of the screen while the week scrolls (a phone shows two days or so).
    h('div', { class: 'weekly-savebar', 'data-testid': 'weekly-savebar' }, saveStatus, saveButton)));

  function showOwner() {
    owner.textContent = ownerName ? `${isOwner ? 'Your' : `${ownerName}'s`} weekly hours` : 'Weekly hours';
    document.title = `${owner.textContent} · InstaInstru`;
  }
  showOwner();

  function setStatus(text, kind = 'info', ...extra) {
    replace(saveStatus, text, extra);
    saveStatus.className = `save-status is-${kind}`;
  }

  function edit(day, change) {
    if (!state.tpl || state.saving) return;
    state.local = { ...state.local, [day]: change(state.local[day] ?? []) };
    delete state.errors[day];
    setStatus(dirty() ? 'Unsaved changes' : '', dirty() ? 'warn' : 'info');
    render();
  }

  function render() {
    if (!state.tpl) return;
    saveButton.disabled = state.saving || !dirty();
    saveButton.textContent = state.saving ? 'Saving…' : 'Save';
    const tz = state.tpl.timezone;
    zoneNote.textContent = `Times in ${zoneCity(tz)} (${tz})${tz !== me.timezone ? ` · you are in ${zoneCity(me.timezone)}` : ''}`;
    if (!dayList.el.isConnected) replace(box, dayList.el);
    dayList.render({
      busy: state.saving,
      days: WEEKDAYS.map((day) => ({
        key: day, heading: NAMES[day], label: `${NAMES[day]}s`, ranges: state.local[day] ?? [], error: state.errors[day],
      })),
    });
    if (!state.current) {
      banner.hide();
      return;
    }
    const base = asWeekdays(state.tpl.weekdays);
    banner.show(whoChanged(), false, diffDays(base, state.local), diffDays(base, asWeekdays(state.current.weekdays)));
  }

  const whoChanged = () => people.whoOf([...state.changedBy]) ?? 'Another editor';

  function adopt(tpl) {
    state.tpl = tpl;
    state.local = asWeekdays(tpl.weekdays);
    state.current = null;
    state.changedBy = new Set();
    state.errors = {};
    render();
  }

  // A newer version from the server (`by`: who saved it, when known): taken when nothing unsaved
  // would be lost, else shown as a conflict.
  function receive(tpl, by = null) {
    if (!state.tpl) return adopt(tpl);
    if (revision(tpl.version) <= revision((state.current ?? state.tpl).version)) return undefined;
    if (by != null || !state.changedBy.size) state.changedBy.add(by);
    if (!dirty()) {
      const who = whoChanged();
      adopt(tpl);
      return setStatus(`${who} changed these weekly hours; this is the new version.`, 'info');
    }
    state.current = tpl;
    return render();
  }

  function reapply() {
    const current = state.current;
    if (!current) return;
    const base = asWeekdays(state.tpl.weekdays);
    const result = reapplyEdits(asWeekdays(current.weekdays), diffDays(base, state.local), {
      bookedSpans: () => [], theirs: diffDays(base, asWeekdays(current.weekdays)), readOnly: () => false,
    });
    const who = whoChanged();
    state.tpl = current;
    state.local = result.days;
    state.current = null;
    state.changedBy = new Set();
    render();
    setStatus(dirty() ? 'Your changes are back on top of the latest version. Check them and Save.' : 'The latest version already has your changes.',
      'warn', reapplyReport(result, who, dayName));
  }

  function discard() {
    adopt(state.current ?? state.tpl);
    setStatus('Your changes were discarded; this is the latest version.', 'info');
  }

  // 400 extra keys look like "weekdays.mon[0].start": shown on that weekday.
  function showFieldErrors(err) {
    const errors = {};
    const other = [];
    for (const item of err.extra) {
      const day = /weekdays\.(\w{3})/.exec(String(item?.key ?? ''))?.[1];
      if (day && NAMES[day]) errors[day] = [errors[day], item.message || 'Invalid hours'].filter(Boolean).join('; ');
      else other.push(item?.message);
    }
    state.errors = errors;
    const days = Object.keys(errors).map((d) => NAMES[d]);
    setStatus(`Not saved: ${days.length ? `check ${days.join(', ')}.` : describeError(err)}`, 'error', listOf(other.filter(Boolean), null));
  }

  async function save() {
    if (!state.tpl || state.saving || !dirty()) return;
    state.saving = true;
    state.heldBack = null;
    state.errors = {};
    setStatus('Saving…');
    render();
    try {
      const res = await request('PUT', url, {
        body: { weekdays: state.local },
        headers: { 'If-Match': `"${state.tpl.version}"`, 'X-Client-Id': CLIENT_ID },
      });
      state.saving = false;
      if (!alive) return;
      adopt(res.data);
      setStatus('Saved. Every week without hours of its own now follows these.', 'ok');
    } catch (err) {
      state.saving = false;
      if (!alive) return;
      if (err.code === 'stale_version' && err.body.current) {
        if (state.heldBack) state.changedBy.add(state.heldBack.by);
        else if (!state.changedBy.size) state.changedBy.add(null);
        state.current = err.body.current;
        setStatus(`Not saved: ${whoChanged()} changed the weekly hours first. Your changes are kept.`, 'error');
      } else if (err.code === 'booked_range') {
        setStatus('Not saved: these lessons would fall outside the new weekly hours. Keep their times open, or give their weeks hours of their own.',
          'error', listOf((err.body.bookings ?? []).map(bookingLine), 'weekly-booked-conflicts'));
      } else if (err.status === 400 && err.extra.length) {
        showFieldErrors(err);
      } else {
        setStatus(`Not saved: ${describeError(err)}`, 'error');
      }
      render();
    }
    const held = state.heldBack;
    state.heldBack = null;
    if (held) receive(held.tpl, held.by); // a save after ours (an earlier one refused ours)
  }

  async function load() {
    try {
      const res = await request('GET', url);
      if (!alive) return;
      if (!state.tpl || !dirty()) adopt(res.data);
    } catch (err) {
      if (!alive) return;
      const text = err.status === 403
        ? "You don't have access to this calendar. Ask the instructor to add you as a collaborator."
        : describeError(err);
      replace(box, placeholder('error', text, err.status === 403 ? null
        : h('button', { class: 'btn', onclick: () => { replace(box, placeholder('loading', 'Loading weekly hours…')); load(); } }, 'Try again')));
    }
  }

  // After (re)subscribing: anything saved while we were not listening.
  async function check() {
    if (!state.tpl || state.saving) return;
    const seen = state.current ?? state.tpl;
    try {
      const res = await request('GET', url, { headers: { 'If-None-Match': `"${seen.version}"` } });
      if (alive && res.status !== 304 && res.data && !state.saving) receive(res.data);
    } catch {
      // the screen stays as it is; the next event or a save tells more
    }
  }

  const unsubscribe = ctx.socket.subscribe(`calendar:${instructorId}:template`, {
    onSubscribed: () => check(), // catches a save between the first GET and the subscription
    onResync: () => check(),
    onError: (msg) => setStatus(`Live updates unavailable: ${msg.detail || msg.code}`, 'error'),
    onEvent: (msg) => {
      const { by = null, by_name: byName, client_id: clientId, ...tpl } = msg.data ?? {};
      if (msg.type === 'presence') return people.showPresence(msg.data?.editors);
      if (msg.type !== 'template.updated' || (clientId != null && clientId === CLIENT_ID)) return undefined; // ours: the PUT answered it
      people.remember(by, byName);
      if (state.saving) state.heldBack = { tpl, by };
      else receive(tpl, by);
      return undefined;
    },
  });

  const draft = drafts.get(key);
  drafts.delete(key);
  if (draft) {
    state.tpl = draft.tpl;
    state.local = draft.local;
    render();
    setStatus('Unsaved changes', 'warn');
  }
  openScreen = { dirty, discard: () => { if (state.tpl) state.local = asWeekdays(state.tpl.weekdays); } };
  load();

  return () => {
    alive = false;
    if (dirty()) drafts.set(key, { tpl: state.tpl, local: state.local });
    openScreen = null;
    unsubscribe();
  };
}
