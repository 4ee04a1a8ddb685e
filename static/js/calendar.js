// The instructor's week editor (#/calendar, #/calendar/{instructor_id}/{week_start}): edit a whole
// week locally, save it as one snapshot with If-Match, and follow other editors live. A conflict
// never discards the user's edits: they can be re-applied on top of the newer version.
// Its parts: the head (calendar-toolbar.js), the grid (week-grid.js, range-drag.js) or the day list
// (day-list.js), conflicts in words (calendar-conflict.js), copy to next week (calendar-copy.js),
// unsaved edits kept across week switches (calendar-drafts.js), names and presence (calendar-people.js).
import { ApiError, describeError, request } from './api.js';
import { bookingLine, createConflictBanner, listOf, reapplyReport } from './calendar-conflict.js';
import { mountCopyToNextWeek } from './calendar-copy.js';
import { drafts, setOpenEditor } from './calendar-drafts.js';
import { createCalendarPeople } from './calendar-people.js';
import { createWeekToolbar } from './calendar-toolbar.js';
import { createDayList, weekDays } from './day-list.js';
import { h, placeholder, randomId, replace } from './dom.js';
import { mountManagedList } from './managed-calendars.js';
import {
  addRange, cloneDays, diffDays, reapplyEdits, removeRange, replaceRange, sameDays,
} from './ranges.js';
import { addDays, bookedMinutes, formatWeekSpan, isDate, mondayOf, todayIn } from './time.js';
import { createWeekGrid } from './week-grid.js';

// Echoed by the server in the events our own saves cause.
const CLIENT_ID = randomId();
const STEP_KEY = 'instainstru.gridStep';
const VIEW_KEY = 'instainstru.calendarView';
const weekUrl = (instructorId, weekStart) => `/api/instructors/${instructorId}/availability/weeks/${weekStart}`;
const LIVE_BOOKING = new Set(['held', 'confirmed']);

export function mountCalendar(root, ctx, params) {
  const { me } = ctx;
  if (!params.id && me.role !== 'instructor') return mountManagedList(root, me);
  const instructorId = params.id ?? String(me.id);
  const weekStart = params.week ? mondayOf(params.week) : mondayOf(todayIn(me.timezone));
  if (params.week && (!isDate(params.week) || params.week !== weekStart)) {
    ctx.navigate(`#/calendar/${instructorId}/${isDate(params.week) ? weekStart : mondayOf(todayIn(me.timezone))}`, { replace: true });
    return () => {};
  }
  const key = `${me.id}:${instructorId}/${weekStart}`;
  const url = weekUrl(instructorId, weekStart);
  const isOwner = String(me.id) === instructorId;

  const state = {
    week: null, // the week as the server last told us
    local: null, // the days being edited
    saving: false,
    foreignChangeWhileSaving: false,
    stale: false, // a newer version exists than the one the edits started from
    latest: null, // that newer week, when it came with its hours: what the others changed
    changedBy: new Set(), // ids of the editors who changed the week since the edits started
    changedByBooking: false, // …and whether a lesson was booked or cancelled meanwhile
    epoch: 0, // bumped by every live update we apply; older REST answers are then dropped
    step: Number(localStorage.getItem(STEP_KEY)) === 15 ? 15 : 30,
    view: localStorage.getItem(VIEW_KEY) ?? (window.matchMedia?.('(max-width: 640px)').matches ? 'list' : 'grid'),
  };
  let alive = true;
  let scrolled = false;
  const dirty = () => Boolean(state.week) && !sameDays(state.local, state.week.days);
  const today = () => todayIn(state.week?.timezone ?? me.timezone);
  const readOnly = (date) => date < today();

  // ---- DOM ----
  const copy = mountCopyToNextWeek({ instructorId, weekStart, clientId: CLIENT_ID, alive: () => alive, setStatus, after: () => render() });
  const toolbar = createWeekToolbar({
    instructorId, weekStart, isOwner, copyButton: copy.button,
    onWeek: (days) => goWeek(addDays(weekStart, days)),
    onThisWeek: () => goWeek(mondayOf(today())),
    onView: (view) => { state.view = view; localStorage.setItem(VIEW_KEY, view); render(); },
    onStep: (step) => { state.step = step; localStorage.setItem(STEP_KEY, String(step)); render(); },
    onSave: () => save(),
    onUseWeekly: () => useWeeklyHours(),
  });
  const saveStatus = h('div', { class: 'save-status', 'data-testid': 'save-status', role: 'status', 'aria-live': 'polite' });
  const people = createCalendarPeople({ me, instructorId, isOwner, onOwnerName: toolbar.setOwner, alive: () => alive });
  const banner = createConflictBanner({ onReapply: () => reapply(), onDiscard: () => reload() });

  const onAdd = (date, start, end) => edit(date, (ranges) => addRange(ranges, start, end));
  const onRemove = (date, range) => edit(date, (ranges) => removeRange(ranges, range, bookedSpans(state.week, date)));
  const onChange = (date, range, next) => edit(date, (ranges) => replaceRange(ranges, range, next));
  const grid = createWeekGrid({
    onAdd, onRemove, onChange,
    onBookedClick: (b) => setStatus(`${bookingLine(b)}. Booked times can't be removed.`, 'info'),
  });
  const dayList = createDayList({ onAdd, onRemove, onChange });
  const editorBox = h('div', { class: 'card grid-card' }, placeholder('loading', 'Loading week…'));

  function goWeek(date) {
    if (dirty() && !window.confirm(`You have unsaved changes to ${formatWeekSpan(weekStart)}. Switch weeks anyway? They stay in this tab until you come back, but they are not saved.`)) return;
    ctx.navigate(`#/calendar/${instructorId}/${date}`);
  }

  replace(root, h('section', { class: 'page page-wide' },
    toolbar.head,
    h('div', { class: 'calendar-status' }, saveStatus, people.presence),
    toolbar.sourceNote,
    copy.panel,
    banner.el,
    editorBox));

  function setStatus(text, kind = 'info', ...extra) {
    replace(saveStatus, text, extra);
    saveStatus.className = `save-status is-${kind}`;
  }

  function bookedSpans(week, date) {
    return (week?.booked ?? [])
      .filter((b) => b.date === date && (!b.status || LIVE_BOOKING.has(b.status)))
      .map(bookedMinutes);
  }

  function render() {
    if (!state.week) return;
    const isDirty = dirty();
    copy.update({ disabled: state.saving || isDirty, dirty: isDirty, week: state.week });
    toolbar.update({
      week: state.week, myZone: me.timezone, saving: state.saving, dirty: isDirty, view: state.view, step: state.step,
      ended: weekStart < mondayOf(today()),
    });
    const view = state.view === 'grid' ? grid : dayList;
    if (!view.el.isConnected) replace(editorBox, view.el);
    editorBox.classList.toggle('is-list', state.view === 'list');
    const props = { weekStart, today: today(), days: state.local, booked: state.week.booked ?? [], step: state.step, busy: state.saving };
    view.render(view === grid ? props : { days: weekDays(props), busy: props.busy });
    if (state.view === 'grid' && !scrolled) {
      scrolled = true;
      grid.scrollToHour(6.75);
    }
    const theirs = state.latest ? diffDays(state.week.days, state.latest.days) : null;
    if (state.stale && isDirty) banner.show(whoChanged(), state.changedByBooking, diffDays(state.week.days, state.local), theirs);
    else banner.hide();
  }

  // Drop this week's own hours: it follows the weekly hours again.
  async function useWeeklyHours() {
    if (!state.week || state.saving || dirty() || state.week.source === 'template') return;
    if (!window.confirm(`Replace the hours of ${formatWeekSpan(weekStart)} with ${isOwner ? 'your' : 'the'} weekly hours? This week's own hours are removed. Booked lessons are kept.`)) return;
    await writeWeek('DELETE', undefined, {
      pending: 'Switching to the weekly hours…', done: 'This week follows the weekly hours again.', refused: 'Not changed: ',
      stale: () => {
        setStatus('Not changed: someone changed this week first. Check it and try again.', 'error');
        refresh();
      },
    });
  }

  function edit(date, change) {
    if (!state.week || state.saving || readOnly(date)) return;
    state.local = { ...state.local, [date]: change(state.local[date] ?? []) };
    if (dirty()) setStatus('Unsaved changes', 'warn');
    else setStatus('');
    render();
  }

  // Take a server week as the truth: local edits are discarded.
  function adopt(week) {
    state.week = week;
    state.local = cloneDays(week.days);
    state.stale = false;
    state.latest = null;
    state.changedBy = new Set();
    state.changedByBooking = false;
    drafts.delete(key);
    render();
  }

  function whoChanged() {
    const ids = [...state.changedBy];
    if (!ids.length) return state.changedByBooking ? null : 'Another editor';
    return people.whoOf(ids);
  }

  function markStale(by, booking = false) {
    if (booking) state.changedByBooking = true;
    else if (by != null || !state.changedBy.size) state.changedBy.add(by ?? null);
    state.stale = true;
    render();
  }

  // A newer week from the server: applied when nothing local would be lost, else flagged.
  function receive(week, by) {
    if (!state.week) return adopt(week);
    if (week.version === state.week.version) return undefined;
    if (!dirty()) return adopt(week);
    // Against the newest week seen: after someone's save, a booking still changes only `booked`.
    const seen = state.latest ?? state.week;
    const booking = sameDays(week.days, seen.days) && JSON.stringify(week.booked) !== JSON.stringify(seen.booked);
    if (week.days) state.latest = week;
    return markStale(by, booking);
  }

  async function fetchWeek({ conditional = true, force = false } = {}) {
    const startedAt = state.epoch;
    const headers = conditional && state.week ? { 'If-None-Match': `"${state.week.version}"` } : {};
    const res = await request('GET', url, { headers });
    if (!alive || res.status === 304) return;
    if (state.epoch !== startedAt) {
      // A live update arrived meanwhile and is at least as new as this answer.
      if (force) adopt(state.week);
      return;
    }
    if (force) adopt(res.data);
    else receive(res.data);
  }

  async function refresh() {
    try {
      await fetchWeek();
    } catch (err) {
      // Once the week is on screen, a failed background refresh only matters if access was lost.
      if (alive && (!state.week || err.status === 403)) showLoadError(err);
    }
  }

  function showLoadError(err) {
    const text = err instanceof ApiError && err.status === 403
      ? "You don't have access to this calendar. Ask the instructor to add you as a collaborator."
      : describeError(err);
    replace(editorBox, placeholder('error', text,
      err.status === 403 ? null : h('button', { class: 'btn', onclick: () => { replace(editorBox, placeholder('loading', 'Loading week…')); refresh(); } }, 'Try again')));
  }

  async function reload() {
    setStatus('Loading the latest version…');
    try {
      await fetchWeek({ conditional: false, force: true });
      if (alive) setStatus('Your changes were discarded; this is the latest version.', 'info');
    } catch (err) {
      if (alive) setStatus(`Couldn't reload: ${describeError(err)}`, 'error');
    }
  }

  // The user's edits (against the version they started from) laid onto the current version.
  async function reapply() {
    const base = state.week;
    const mine = diffDays(base.days, state.local);
    setStatus('Re-applying your changes…');
    let current;
    try {
      current = (await request('GET', url)).data;
    } catch (err) {
      if (alive) setStatus(`Couldn't load the latest version: ${describeError(err)}`, 'error');
      return;
    }
    if (!alive) return;
    state.epoch += 1;
    const result = reapplyEdits(current.days, mine, {
      bookedSpans: (date) => bookedSpans(current, date),
      theirs: diffDays(base.days, current.days),
      readOnly: (date) => date < todayIn(current.timezone),
    });
    const who = whoChanged() ?? 'A booking';
    state.week = current;
    state.local = result.days;
    state.stale = false;
    state.latest = null;
    state.changedBy = new Set();
    state.changedByBooking = false;
    render();
    setStatus(dirty() ? 'Your changes are back on top of the latest version. Check them and Save.' : 'The latest version already has your changes.',
      result.skipped.length ? 'error' : 'warn', reapplyReport(result, who));
  }

  async function save() {
    if (!state.week || state.saving || !dirty()) return;
    await writeWeek('PUT', { days: state.local }, {
      pending: 'Saving…', done: 'Saved', refused: 'Not saved: ',
      stale: () => {
        setStatus('Not saved: someone changed this week first. Your changes are kept.', 'error');
        markStale();
      },
    });
  }

  // A save or a hand-back to the weekly hours, with If-Match; our own event is carried by the answer,
  // anyone else's that arrived meanwhile is fetched once it settles.
  async function writeWeek(method, body, { pending, done, refused, stale }) {
    state.saving = true;
    state.foreignChangeWhileSaving = false;
    setStatus(pending);
    render();
    try {
      const res = await request(method, url, {
        body, headers: { 'If-Match': `"${state.week.version}"`, 'X-Client-Id': CLIENT_ID },
      });
      state.saving = false;
      if (!alive) return;
      adopt(res.data);
      setStatus(done, 'ok');
    } catch (err) {
      state.saving = false;
      if (!alive) return;
      if (err.code === 'stale_version') stale();
      else if (err.code === 'booked_range') setStatus(`${refused}${err.message}`, 'error', listOf((err.body.bookings ?? []).map(bookingLine), 'booked-conflicts'));
      else setStatus(`${refused}${describeError(err)}`, 'error');
      render();
    }
    if (state.foreignChangeWhileSaving) refresh();
  }

  function onEvent(msg) {
    const data = msg.data ?? {};
    const ours = data.client_id != null && data.client_id === CLIENT_ID;
    if (msg.type === 'presence') {
      people.showPresence(data.editors);
    } else if (msg.type === 'availability.updated') {
      if (state.saving) {
        // Ours is carried by the PUT response; anyone else's is fetched once the save settles.
        if (!ours) state.foreignChangeWhileSaving = true;
        return;
      }
      state.epoch += 1;
      const { by, client_id: _clientId, ...week } = data;
      receive(week, by);
    } else if (msg.type === 'conflict') {
      if (ours || !state.week || data.version === state.week.version) return;
      if (state.saving) state.foreignChangeWhileSaving = true;
      else if (dirty()) markStale(data.by, data.booking_id != null);
      else refresh(); // nothing to lose: just fetch the new version
    }
  }

  const unsubscribe = ctx.socket.subscribe(`calendar:${instructorId}:${weekStart}`, {
    onSubscribed: () => refresh(), // catches anything saved between the first GET and the subscription
    onEvent,
    onResync: () => refresh(),
    onError: (msg) => setStatus(`Live updates unavailable: ${msg.detail || msg.code}`, 'error'),
  });

  const draft = drafts.get(key);
  drafts.delete(key);
  if (draft) {
    state.week = draft.week;
    state.local = draft.days;
    render();
    setStatus('Unsaved changes', 'warn');
  }
  setOpenEditor({
    dirty,
    discard: () => { if (state.week) state.local = cloneDays(state.week.days); },
  });
  refresh();

  return () => {
    alive = false;
    if (dirty()) drafts.set(key, { week: state.week, days: state.local });
    setOpenEditor(null);
    unsubscribe();
    grid.destroy();
  };
}
