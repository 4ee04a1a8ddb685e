// The instructor's week editor (#/calendar, #/calendar/{instructor_id}/{week_start}): edit a whole
// week locally, save it as one snapshot with If-Match, and follow other editors live. A conflict
// never discards the user's edits: they can be re-applied on top of the newer version.
import { api, ApiError, describeError, request } from './api.js';
import { mountCopyToNextWeek } from './calendar-copy.js';
import { createDayList } from './day-list.js';
import { h, placeholder, randomId, replace } from './dom.js';
import { addRange, cloneDays, diffDays, reapplyEdits, removeRange, sameDays } from './ranges.js';
import {
  addDays, bookedMinutes, formatClockRange, formatDayMedium, formatWeekSpan, isDate, mondayOf, todayIn, zoneCity,
} from './time.js';
import { createWeekGrid } from './week-grid.js';

// Echoed by the server in the events our own saves cause.
const CLIENT_ID = randomId();
const STEP_KEY = 'instainstru.gridStep';
const VIEW_KEY = 'instainstru.calendarView';
// Unsaved edits of weeks the user navigated away from, for this page load: key → { week, days }.
const drafts = new Map();
let openEditor = null; // the mounted editor: { dirty() }

const weekUrl = (instructorId, weekStart) => `/api/instructors/${instructorId}/availability/weeks/${weekStart}`;
const LIVE_BOOKING = new Set(['held', 'confirmed']);

export function hasUnsavedEdits() {
  return drafts.size > 0 || Boolean(openEditor?.dirty());
}

export function discardUnsavedEdits() {
  drafts.clear();
  openEditor?.discard();
}

window.addEventListener('beforeunload', (event) => {
  if (!hasUnsavedEdits()) return;
  event.preventDefault();
  event.returnValue = ''; // older browsers ask only when this is set
});

export function bookingLine(b) {
  const when = b.date ? `${formatDayMedium(b.date)} ${formatClockRange(b.start, b.end)}` : `${b.start} – ${b.end}`;
  const who = b.student_name ? ` with ${b.student_name}` : '';
  return `Lesson${who}: ${when}${b.status === 'held' ? ' (on hold)' : ''}`;
}

// "Tue, Nov 24: added 6:00 PM – 7:00 PM; removed 9:00 AM – 10:00 AM"
function editLines(edits) {
  return Object.entries(edits).map(([date, { added, removed }]) => {
    const parts = [];
    if (added.length) parts.push(`added ${added.map((r) => formatClockRange(r.start, r.end)).join(', ')}`);
    if (removed.length) parts.push(`removed ${removed.map((r) => formatClockRange(r.start, r.end)).join(', ')}`);
    return `${formatDayMedium(date)}: ${parts.join('; ')}`;
  });
}

const list = (lines, testid) => (lines.length ? h('ul', { class: 'booking-conflicts', 'data-testid': testid }, lines.map((l) => h('li', {}, l))) : null);

function mountManagedList(root, me) {
  const manages = me.manages ?? [];
  replace(root, h('section', { class: 'page' },
    h('h1', {}, 'Calendars you manage'),
    manages.length
      ? h('ul', { class: 'managed-list', 'data-testid': 'managed-calendars' }, manages.map((m) => h('li', {},
        h('a', { class: 'card managed-link', href: `#/calendar/${m.instructor_id}`, 'data-testid': 'managed-calendar' },
          h('span', { class: 'managed-name' }, `${m.full_name}'s calendar`), h('span', { class: 'chevron', 'aria-hidden': 'true' }, '›')))))
      : placeholder('empty', "You don't manage any calendar yet. When an instructor adds you as a collaborator, their calendar appears here.")));
  return () => {};
}

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
    changedBy: new Set(), // ids of the editors who changed the week since the edits started
    changedByBooking: false, // …and whether a lesson was booked or cancelled meanwhile
    epoch: 0, // bumped by every live update we apply; older REST answers are then dropped
    step: Number(localStorage.getItem(STEP_KEY)) === 15 ? 15 : 30,
    view: localStorage.getItem(VIEW_KEY) ?? (window.matchMedia?.('(max-width: 640px)').matches ? 'list' : 'grid'),
  };
  let alive = true;
  let scrolled = false;
  // Names of the people who may change this week: presence and /api/me tell us.
  const names = new Map([[String(me.id), me.full_name]]);
  const managed = (me.manages ?? []).find((m) => String(m.instructor_id) === instructorId);
  if (managed) names.set(instructorId, managed.full_name);
  const nameOf = (id) => (id == null ? 'Another editor'
    : String(id) === String(me.id) ? 'You (in another window)' : names.get(String(id)) ?? 'Another editor');

  const dirty = () => Boolean(state.week) && !sameDays(state.local, state.week.days);
  const today = () => todayIn(state.week?.timezone ?? me.timezone);
  const readOnly = (date) => date < today();

  // ---- DOM ----
  const owner = h('h1', { class: 'calendar-owner', 'data-testid': 'calendar-owner' });
  const title = h('h2', { class: 'week-title', 'data-testid': 'week-title' }, formatWeekSpan(weekStart));
  const saveButton = h('button', { class: 'btn btn-primary', 'data-testid': 'week-save', onclick: () => save() }, 'Save');
  const copy = mountCopyToNextWeek({ instructorId, weekStart, clientId: CLIENT_ID, alive: () => alive, setStatus, after: () => render() });
  const saveStatus = h('div', { class: 'save-status', 'data-testid': 'save-status', role: 'status', 'aria-live': 'polite' });
  const presence = h('div', { class: 'presence', 'data-testid': 'presence', hidden: true });
  const zoneNote = h('p', { class: 'muted small' });
  const bannerText = h('div', { class: 'banner-text' });
  const banner = h('div', { class: 'banner banner-warn conflict-banner', 'data-testid': 'conflict-banner', role: 'alert', hidden: true },
    bannerText,
    h('div', { class: 'banner-actions' },
      h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'conflict-reapply', onclick: () => reapply() }, 'Re-apply my changes'),
      h('button', { class: 'btn btn-small', 'data-testid': 'conflict-reload', onclick: () => reload() }, 'Discard my changes')));
  const stepSelect = h('select', { 'aria-label': 'Grid resolution', 'data-testid': 'grid-step' },
    h('option', { value: '30' }, '30 min'), h('option', { value: '15' }, '15 min'));
  stepSelect.value = String(state.step);
  stepSelect.addEventListener('change', () => {
    state.step = Number(stepSelect.value);
    localStorage.setItem(STEP_KEY, String(state.step));
    render();
  });
  const stepField = h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Grid'), stepSelect);
  const viewButtons = ['grid', 'list'].map((view) => h('button', {
    type: 'button', class: 'seg', 'data-testid': `view-${view}`, 'aria-pressed': 'false',
    onclick: () => { state.view = view; localStorage.setItem(VIEW_KEY, view); render(); },
  }, view === 'grid' ? 'Week grid' : 'Day list'));
  const viewSwitch = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Show the week as' }, viewButtons);

  const onAdd = (date, start, end) => edit(date, (ranges) => addRange(ranges, start, end));
  const onRemove = (date, range) => edit(date, (ranges) => removeRange(ranges, range, bookedSpans(state.week, date)));
  const grid = createWeekGrid({
    onAdd, onRemove,
    onBookedClick: (b) => setStatus(`${bookingLine(b)}. Booked times can't be removed.`, 'info'),
  });
  const dayList = createDayList({ onAdd, onRemove });
  const editorBox = h('div', { class: 'card grid-card' }, placeholder('loading', 'Loading week…'));
  // Whether the week follows the weekly hours or has its own (and a way back to the weekly hours).
  const weeklyLink = h('a', { href: `#/calendar/${instructorId}/weekly`, 'data-testid': 'weekly-hours-link' }, 'Edit weekly hours');
  const sourceText = h('span', { class: 'week-source-text', 'data-testid': 'week-source-text' });
  const useWeeklyButton = h('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'week-use-weekly', onclick: () => useWeeklyHours(),
  }, 'Use weekly hours');
  const sourceNote = h('div', { class: 'week-source', 'data-testid': 'week-source', hidden: true }, sourceText, useWeeklyButton, weeklyLink);

  function goWeek(date) {
    if (dirty() && !window.confirm(`You have unsaved changes to ${formatWeekSpan(weekStart)}. Switch weeks anyway? They stay in this tab until you come back, but they are not saved.`)) return;
    ctx.navigate(`#/calendar/${instructorId}/${date}`);
  }

  replace(root, h('section', { class: 'page page-wide' },
    h('div', { class: 'calendar-head' },
      h('div', { class: 'calendar-titles' }, owner,
        h('div', { class: 'week-nav' },
          h('button', { class: 'btn btn-icon', 'data-testid': 'week-prev', 'aria-label': 'Previous week', onclick: () => goWeek(addDays(weekStart, -7)) }, '‹'),
          h('button', { class: 'btn btn-small', onclick: () => goWeek(mondayOf(today())) }, 'This week'),
          h('button', { class: 'btn btn-icon', 'data-testid': 'week-next', 'aria-label': 'Next week', onclick: () => goWeek(addDays(weekStart, 7)) }, '›'),
          title),
        zoneNote),
      h('div', { class: 'week-actions' },
        isOwner ? h('nav', { class: 'calendar-links', 'aria-label': 'Calendar settings' },
          h('a', { href: '#/settings', 'data-testid': 'calendar-settings-link' }, 'Booking settings'),
          h('a', { href: '#/collaborators', 'data-testid': 'calendar-collaborators-link' }, 'Collaborators')) : null,
        viewSwitch, stepField, copy.button, saveButton)),
    h('div', { class: 'calendar-status' }, saveStatus, presence),
    sourceNote,
    copy.panel,
    banner,
    editorBox));

  function showOwner() {
    const name = names.get(instructorId);
    owner.textContent = name ? `${name}'s calendar` : 'Calendar';
    if (name) document.title = `${name}'s calendar · InstaInstru`;
  }
  showOwner();
  if (!names.has(instructorId)) {
    api.get(`/api/instructors/${instructorId}`).then((p) => {
      if (p?.full_name && alive) { names.set(instructorId, p.full_name); showOwner(); }
    }).catch(() => {});
  }

  if (isOwner) {
    api.get(`/api/instructors/${instructorId}/collaborators`).then((people) => {
      for (const p of people) if (!names.has(String(p.user_id))) names.set(String(p.user_id), p.full_name);
    }).catch(() => {});
  }

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
    saveButton.disabled = state.saving || !isDirty;
    saveButton.textContent = state.saving ? 'Saving…' : 'Save';
    copy.update({ disabled: state.saving || isDirty, dirty: isDirty, week: state.week });
    renderSource(isDirty);
    const tz = state.week.timezone;
    zoneNote.textContent = `Times in ${zoneCity(tz)} (${tz})${tz !== me.timezone ? ` · you are in ${zoneCity(me.timezone)}` : ''}`;
    for (const button of viewButtons) button.setAttribute('aria-pressed', String(button.dataset.testid === `view-${state.view}`));
    stepField.hidden = state.view !== 'grid';
    const view = state.view === 'grid' ? grid : dayList;
    if (!view.el.isConnected) replace(editorBox, view.el);
    editorBox.classList.toggle('is-list', state.view === 'list');
    const props = { weekStart, today: today(), days: state.local, booked: state.week.booked ?? [], step: state.step, busy: state.saving };
    view.render(props);
    if (state.view === 'grid' && !scrolled) {
      scrolled = true;
      grid.scrollToHour(6.75);
    }
    if (state.stale && isDirty) showConflict();
    else {
      banner.hidden = true;
      shownConflict = '';
    }
  }

  function renderSource(isDirty) {
    const follows = state.week.source === 'template';
    const whose = isOwner ? 'your' : 'the';
    // The weekly hours never govern a week that has ended: nothing to say there.
    sourceNote.hidden = weekStart < mondayOf(today());
    sourceNote.dataset.source = state.week.source ?? 'week';
    sourceNote.classList.toggle('is-own', !follows);
    sourceText.textContent = follows ? `Follows ${whose} weekly hours` : 'This week has its own hours';
    useWeeklyButton.hidden = follows;
    useWeeklyButton.disabled = state.saving || isDirty;
    useWeeklyButton.title = isDirty ? 'Save or discard your changes first' : '';
  }

  // Drop this week's own hours: it follows the weekly hours again.
  async function useWeeklyHours() {
    if (!state.week || state.saving || dirty() || state.week.source === 'template') return;
    if (!window.confirm(`Replace the hours of ${formatWeekSpan(weekStart)} with ${isOwner ? 'your' : 'the'} weekly hours? This week's own hours are removed. Booked lessons are kept.`)) return;
    state.saving = true;
    state.foreignChangeWhileSaving = false;
    setStatus('Switching to the weekly hours…');
    render();
    try {
      const res = await request('DELETE', url, {
        headers: { 'If-Match': `"${state.week.version}"`, 'X-Client-Id': CLIENT_ID },
      });
      state.saving = false;
      if (!alive) return;
      adopt(res.data);
      setStatus('This week follows the weekly hours again.', 'ok');
      if (state.foreignChangeWhileSaving) refresh();
    } catch (err) {
      state.saving = false;
      if (!alive) return;
      if (err.code === 'stale_version') {
        setStatus('Not changed: someone changed this week first. Check it and try again.', 'error');
        refresh();
      } else if (err.code === 'booked_range') {
        showBookedRange(err, 'Not changed: ');
      } else {
        setStatus(`Not changed: ${describeError(err)}`, 'error');
      }
      render();
      if (state.foreignChangeWhileSaving) refresh();
    }
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
    state.changedBy = new Set();
    state.changedByBooking = false;
    drafts.delete(key);
    render();
  }

  let shownConflict = '';
  function whoChanged() {
    const ids = [...state.changedBy];
    const people = (ids.length > 1 ? ids.filter((id) => id !== 'unknown') : ids).map(nameOf);
    if (!people.length) return state.changedByBooking ? null : 'Another editor';
    return people.join(' and ');
  }

  function showConflict() {
    const who = whoChanged();
    const edits = editLines(diffDays(state.week.days, state.local));
    const shown = JSON.stringify([who, edits]);
    banner.hidden = false;
    if (shown === shownConflict) return; // an alert is read out again whenever it changes
    shownConflict = shown;
    replace(bannerText,
      h('strong', { 'data-testid': 'conflict-who' }, !who
        ? 'A lesson was booked or cancelled in this week while you were editing.'
        : `${who} changed this week${state.changedByBooking ? ', and a lesson was booked or cancelled,' : ''} while you were editing.`),
      ' Your unsaved changes are still here:',
      list(edits, 'conflict-edits'),
      h('span', { class: 'small' }, 'Re-apply them on top of the new version (then Save), or discard them.'));
  }

  function markStale(by, booking = false) {
    if (booking) state.changedByBooking = true;
    else if (by != null || !state.changedBy.size) state.changedBy.add(by ?? 'unknown');
    state.stale = true;
    render();
  }

  // A newer week from the server: applied when nothing local would be lost, else flagged.
  function receive(week, by) {
    if (!state.week) return adopt(week);
    if (week.version === state.week.version) return undefined;
    if (!dirty()) return adopt(week);
    const booking = sameDays(week.days, state.week.days) && JSON.stringify(week.booked) !== JSON.stringify(state.week.booked);
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
    state.changedBy = new Set();
    state.changedByBooking = false;
    render();
    const line = (r) => `${formatDayMedium(r.date)} ${formatClockRange(r.start, r.end)}${r.reason ? `: ${r.reason}` : ''}`;
    setStatus(dirty() ? 'Your changes are back on top of the latest version. Check them and Save.' : 'The latest version already has your changes.',
      result.skipped.length ? 'error' : 'warn',
      result.skipped.length ? h('div', { 'data-testid': 'reapply-skipped' }, 'Could not be re-applied:', list(result.skipped.map(line), null)) : null,
      result.overlapping.length ? h('div', { 'data-testid': 'reapply-overlaps' }, `${who} also changed:`, list(result.overlapping.map(line), null)) : null);
  }

  function showBookedRange(err, prefix) {
    setStatus(`${prefix}${err.message}`, 'error', list((err.body.bookings ?? []).map(bookingLine), 'booked-conflicts'));
  }

  async function save() {
    if (!state.week || state.saving || !dirty()) return;
    state.saving = true;
    state.foreignChangeWhileSaving = false;
    setStatus('Saving…');
    render();
    try {
      const res = await request('PUT', url, {
        body: { days: state.local },
        headers: { 'If-Match': `"${state.week.version}"`, 'X-Client-Id': CLIENT_ID },
      });
      state.saving = false;
      if (!alive) return;
      adopt(res.data);
      setStatus('Saved', 'ok');
      if (state.foreignChangeWhileSaving) refresh();
    } catch (err) {
      state.saving = false;
      if (!alive) return;
      if (err.code === 'stale_version') {
        setStatus('Not saved: someone changed this week first. Your changes are kept.', 'error');
        markStale();
      } else if (err.code === 'booked_range') {
        showBookedRange(err, 'Not saved: ');
      } else {
        setStatus(`Not saved: ${describeError(err)}`, 'error');
      }
      render();
      if (state.foreignChangeWhileSaving) refresh();
    }
  }

  function showPresence(editors) {
    const seen = new Set();
    for (const e of editors ?? []) names.set(String(e.user_id), e.full_name);
    const others = (editors ?? []).filter((e) => String(e.user_id) !== String(me.id) && !seen.has(e.user_id) && seen.add(e.user_id))
      .map((e) => e.full_name);
    presence.textContent = others.length ? `Also editing: ${others.join(', ')}` : '';
    presence.hidden = !others.length;
  }

  function onEvent(msg) {
    const data = msg.data ?? {};
    const ours = data.client_id != null && data.client_id === CLIENT_ID;
    if (msg.type === 'presence') {
      showPresence(data.editors);
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
  openEditor = {
    dirty,
    discard: () => { if (state.week) state.local = cloneDays(state.week.days); },
  };
  refresh();

  return () => {
    alive = false;
    if (dirty()) drafts.set(key, { week: state.week, days: state.local });
    openEditor = null;
    unsubscribe();
    grid.destroy();
  };
}
