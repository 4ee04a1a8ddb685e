// The weekly hours (#/calendar/{instructor_id}/weekly): the template every week without hours of
// its own follows, from the current week on. Seven weekdays with typed From/To ranges, saved whole
// with If-Match, and live: another editor's save (`template.updated` on the instructor's slots
// channel) is shown at once, or, over unsaved edits, as a conflict that keeps them: they can be
// re-applied on top of the newer version.
import { api, describeError, request } from './api.js';
import { bookingLine, editLines as calendarEditLines, listOf as list } from './calendar-conflict.js';
import { h, placeholder, randomId, replace } from './dom.js';
import { addRange, cloneDays, diffDays, reapplyEdits, removeRange, sameDays } from './ranges.js';
import { formatClockRange, toMinutes, zoneCity } from './time.js';

const CLIENT_ID = randomId();
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

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

// "Monday: added 9:00 AM – 12:00 PM; removed 2:00 PM – 3:00 PM"
const editLines = (edits) => calendarEditLines(edits, (day) => NAMES[day] ?? day);

export function mountWeekly(root, ctx, params) {
  const { me } = ctx;
  const instructorId = params.id;
  const url = `/api/instructors/${instructorId}/availability/template`;
  const key = `${me.id}:${instructorId}`;
  const isOwner = String(me.id) === instructorId;
  const managed = (me.manages ?? []).find((m) => String(m.instructor_id) === instructorId);
  let ownerName = isOwner ? me.full_name : managed?.full_name ?? null;

  const state = {
    tpl: null, // the weekly hours as the server last told us
    local: null, // the weekdays being edited
    saving: false,
    changedWhileSaving: false, // another editor saved meanwhile: look again once ours settles
    current: null, // a newer version than the one the edits started from (a refused save, or live)
    errors: {}, // weekday → message, from a 400
  };
  let alive = true;
  let openDay = null; // the weekday whose "Add hours" form is open
  let typed = { start: '', end: '' };
  let formError = '';
  let focusKey = null;

  const dirty = () => Boolean(state.tpl) && !sameDays(state.local, asWeekdays(state.tpl.weekdays));

  // ---- DOM ----
  const owner = h('h1', { class: 'calendar-owner', 'data-testid': 'weekly-owner' });
  const zoneNote = h('p', { class: 'muted small' });
  const saveButton = h('button', { class: 'btn btn-primary', 'data-testid': 'weekly-save', onclick: () => save() }, 'Save');
  const saveStatus = h('div', { class: 'save-status', 'data-testid': 'weekly-status', role: 'status', 'aria-live': 'polite' });
  const bannerText = h('div', { class: 'banner-text' });
  const banner = h('div', { class: 'banner banner-warn conflict-banner', 'data-testid': 'weekly-conflict', role: 'alert', hidden: true },
    bannerText,
    h('div', { class: 'banner-actions' },
      h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'weekly-reapply', onclick: () => reapply() }, 'Re-apply my changes'),
      h('button', { class: 'btn btn-small', 'data-testid': 'weekly-discard', onclick: () => discard() }, 'Discard my changes')));
  const box = h('div', { class: 'card weekly-card' }, placeholder('loading', 'Loading weekly hours…'));

  replace(root, h('section', { class: 'page' },
    h('div', { class: 'calendar-head weekly-head' },
      h('div', { class: 'calendar-titles' },
        h('a', { href: `#/calendar/${instructorId}`, class: 'back-link', 'data-testid': 'weekly-back' }, '‹ Back to the calendar'),
        owner,
        h('p', { class: 'weekly-intro' }, 'Every week follows these hours unless you give it hours of its own in the calendar.'),
        zoneNote)),
    banner,
    box,
    // Stays in view at the bottom of the screen while the week scrolls (a phone shows two days or so).
    h('div', { class: 'weekly-savebar', 'data-testid': 'weekly-savebar' }, saveStatus, saveButton)));

  function showOwner() {
    owner.textContent = ownerName ? `${isOwner ? 'Your' : `${ownerName}'s`} weekly hours` : 'Weekly hours';
    document.title = `${owner.textContent} · InstaInstru`;
  }
  showOwner();
  if (!ownerName) {
    api.get(`/api/instructors/${instructorId}`).then((p) => {
      if (p?.full_name && alive) { ownerName = p.full_name; showOwner(); }
    }).catch(() => {});
  }

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

  function addForm(day) {
    const name = NAMES[day];
    const start = h('input', { type: 'time', step: 300, required: true, id: `weekly-start-${day}`, 'data-testid': 'weekly-add-start' });
    const end = h('input', { type: 'time', step: 300, required: true, id: `weekly-end-${day}`, 'data-testid': 'weekly-add-end' });
    start.value = typed.start;
    end.value = typed.end;
    start.addEventListener('input', () => { typed.start = start.value; });
    end.addEventListener('input', () => { typed.end = end.value; });
    const error = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'weekly-add-error' }, formError);
    function fail(message, input) {
      formError = message;
      error.textContent = message;
      input.focus();
    }
    const form = h('form', {
      class: 'day-add-form', 'aria-label': `Add hours on ${name}s`, novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        if (!start.value || !end.value) return fail('Enter a start and an end time.', start.value ? end : start);
        const from = toMinutes(start.value);
        const to = end.value === '00:00' ? 1440 : toMinutes(end.value); // an end of 12:00 AM is midnight
        if (to <= from) return fail('The end must be after the start.', end);
        typed = { start: '', end: '' };
        formError = '';
        openDay = null;
        focusKey = `add:${day}`;
        edit(day, (ranges) => addRange(ranges, from, to));
        return undefined;
      },
      onkeydown: (event) => { if (event.key === 'Escape') close(day); },
    },
    h('label', { class: 'field inline', for: start.id }, h('span', { class: 'field-label' }, 'From'), start),
    h('label', { class: 'field inline', for: end.id }, h('span', { class: 'field-label' }, 'To'), end),
    h('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'weekly-add-submit' }, 'Add'),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => close(day) }, 'Cancel'),
    error);
    return { form, first: start };
  }

  function close(day) {
    openDay = null;
    formError = '';
    typed = { start: '', end: '' };
    focusKey = `add:${day}`;
    render();
  }

  function dayItem(day) {
    const name = NAMES[day];
    const ranges = state.local[day] ?? [];
    const open = openDay === day;
    const form = open ? addForm(day) : null;
    const fieldError = state.errors[day];
    const item = h('li', { class: `day-item${fieldError ? ' has-error' : ''}`, 'data-testid': 'weekly-day', 'data-day': day },
      h('div', { class: 'day-item-head' },
        h('h3', { id: `weekly-${day}` }, name),
        open ? null : h('button', {
          type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'weekly-add', 'data-day': day,
          'data-focus-key': `add:${day}`, 'aria-label': `Add hours on ${name}s`, disabled: state.saving,
          onclick: () => { openDay = day; formError = ''; focusKey = `form:${day}`; render(); },
        }, '+ Add hours')),
      ranges.length
        ? h('ul', { class: 'day-ranges', 'aria-labelledby': `weekly-${day}` }, ranges.map((range) => {
          const span = formatClockRange(range.start, range.end);
          return h('li', { class: 'day-range', 'data-testid': 'weekly-range', 'data-day': day, 'data-start': range.start, 'data-end': range.end },
            h('span', {}, span),
            h('button', {
              type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'weekly-range-remove',
              'aria-label': `Remove ${span} on ${name}s`, disabled: state.saving,
              onclick: () => { focusKey = `add:${day}`; edit(day, (r) => removeRange(r, range, [])); },
            }, 'Remove'));
        }))
        : h('p', { class: 'muted small day-empty' }, 'No hours.'),
      fieldError ? h('p', { class: 'field-error', role: 'alert', 'data-testid': 'weekly-day-error' }, fieldError) : null,
      form?.form);
    return { item, form };
  }

  function render() {
    if (!state.tpl) return;
    const isDirty = dirty();
    saveButton.disabled = state.saving || !isDirty;
    saveButton.textContent = state.saving ? 'Saving…' : 'Save';
    const tz = state.tpl.timezone;
    zoneNote.textContent = `Times in ${zoneCity(tz)} (${tz})${tz !== me.timezone ? ` · you are in ${zoneCity(me.timezone)}` : ''}`;
    const active = box.contains(document.activeElement) ? document.activeElement : null;
    if (!focusKey && active) focusKey = active.id ? `id:${active.id}` : active.dataset.focusKey;
    let openForm = null;
    replace(box, h('ul', { class: 'day-items weekly-days', 'data-testid': 'weekly-days' }, WEEKDAYS.map((day) => {
      const { item, form } = dayItem(day);
      if (form) openForm = form;
      return item;
    })));
    if (focusKey?.startsWith('form:') && openForm) openForm.first.focus();
    else if (focusKey?.startsWith('id:')) document.getElementById(focusKey.slice(3))?.focus();
    else if (focusKey) box.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
    focusKey = null;
    showConflict();
  }

  function showConflict() {
    if (!state.current) {
      banner.hidden = true;
      return;
    }
    const current = asWeekdays(state.current.weekdays);
    const theirs = editLines(diffDays(asWeekdays(state.tpl.weekdays), current));
    const mine = editLines(diffDays(asWeekdays(state.tpl.weekdays), state.local));
    banner.hidden = false;
    replace(bannerText,
      h('strong', {}, 'Someone else changed these weekly hours while you were editing.'),
      theirs.length ? [' They changed:', list(theirs, 'weekly-theirs')] : null,
      mine.length ? [' Your unsaved changes are still here:', list(mine, 'weekly-mine')] : null,
      h('span', { class: 'small' }, 'Re-apply your changes on top of their version (then Save), or discard yours.'));
  }

  function adopt(tpl) {
    state.tpl = tpl;
    state.local = asWeekdays(tpl.weekdays);
    state.current = null;
    state.errors = {};
    render();
  }

  function reapply() {
    const current = state.current;
    if (!current) return;
    const base = asWeekdays(state.tpl.weekdays);
    const mine = diffDays(base, state.local);
    const result = reapplyEdits(asWeekdays(current.weekdays), mine, {
      bookedSpans: () => [], theirs: diffDays(base, asWeekdays(current.weekdays)), readOnly: () => false,
    });
    state.tpl = current;
    state.local = result.days;
    state.current = null;
    render();
    setStatus(dirty() ? 'Your changes are back on top of the latest version. Check them and Save.' : 'The latest version already has your changes.', 'warn');
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
    setStatus(`Not saved: ${days.length ? `check ${days.join(', ')}.` : describeError(err)}`, 'error', list(other.filter(Boolean), null));
  }

  async function save() {
    if (!state.tpl || state.saving || !dirty()) return;
    state.saving = true;
    state.changedWhileSaving = false;
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
      if (state.changedWhileSaving) check();
    } catch (err) {
      state.saving = false;
      if (!alive) return;
      if (state.changedWhileSaving) check();
      if (err.code === 'stale_version' && err.body.current) {
        state.current = err.body.current;
        setStatus('Not saved: someone changed the weekly hours first. Your changes are kept.', 'error');
      } else if (err.code === 'booked_range') {
        setStatus('Not saved: these lessons would fall outside the new weekly hours. Keep their times open, or give their weeks hours of their own.',
          'error', list((err.body.bookings ?? []).map(bookingLine), 'weekly-booked-conflicts'));
      } else if (err.status === 400 && err.extra.length) {
        showFieldErrors(err);
      } else {
        setStatus(`Not saved: ${describeError(err)}`, 'error');
      }
      render();
    }
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
  // Another editor saved the weekly hours: take them, or, over unsaved edits, show the conflict.
  async function check() {
    if (!state.tpl) return;
    const seen = state.current ?? state.tpl;
    let res;
    try {
      res = await request('GET', url, { headers: { 'If-None-Match': `"${seen.version}"` } });
    } catch {
      return; // the screen stays as it is; the next event or a save tells more
    }
    if (!alive || res.status === 304 || !res.data || state.saving) return;
    if (res.data.version === state.tpl.version) return;
    if (!dirty()) {
      adopt(res.data);
      setStatus('Someone else changed these weekly hours; this is their version.', 'info');
    } else {
      state.current = res.data;
      render();
    }
  }

  const unsubscribe = ctx.socket.subscribe(`slots:${instructorId}`, {
    onSubscribed: () => check(), // catches a save between the first GET and the subscription
    onResync: () => check(),
    onEvent: (msg) => {
      if (msg.type !== 'template.updated') return;
      const data = msg.data ?? {};
      if (data.client_id != null && data.client_id === CLIENT_ID) return; // ours: the PUT answered it
      if (state.saving) state.changedWhileSaving = true;
      else if (data.version !== (state.current ?? state.tpl)?.version) check();
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
