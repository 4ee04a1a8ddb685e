// The instructor's week editor (#/calendar, #/calendar/{instructor_id}/{week_start}): edit a whole
// week locally, save it as one snapshot with If-Match, and follow other editors live.
import { ApiError, describeError, request } from './api.js';
import { h, placeholder, randomId, replace } from './dom.js';
import { addRange, cloneDays, removeRange, sameDays } from './ranges.js';
import { addDays, bookedMinutes, formatClock, formatWeekSpan, isDate, mondayOf, todayIn, zoneCity } from './time.js';
import { createWeekGrid } from './week-grid.js';

// Echoed by the server in the events our own saves cause.
const CLIENT_ID = randomId();
const STEP_KEY = 'instainstru.gridStep';
// Unsaved edits of weeks the user navigated away from, for this page load: key → { week, days }.
const drafts = new Map();

const weekUrl = (instructorId, weekStart) => `/api/instructors/${instructorId}/availability/weeks/${weekStart}`;
const LIVE_BOOKING = new Set(['held', 'confirmed']);

function bookingLine(b) {
  const id = b.booking_id ?? b.id;
  const when = b.date ? `${b.date} ${b.start}–${b.end}` : `${b.start} – ${b.end}`;
  return `Lesson #${id}: ${when}${b.status ? ` (${b.status})` : ''}`;
}

export function mountCalendar(root, ctx, params) {
  const { me } = ctx;
  if (!params.id && me.role !== 'instructor') {
    replace(root, h('section', { class: 'page' }, placeholder('empty',
      "You don't have a calendar of your own. If an instructor added you as a collaborator, open the calendar link they shared with you.")));
    return () => {};
  }
  const instructorId = params.id ?? String(me.id);
  const weekStart = params.week ? mondayOf(params.week) : mondayOf(todayIn(me.timezone));
  if (params.week && (!isDate(params.week) || params.week !== weekStart)) {
    ctx.navigate(`#/calendar/${instructorId}/${isDate(params.week) ? weekStart : mondayOf(todayIn(me.timezone))}`, { replace: true });
    return () => {};
  }
  const key = `${me.id}:${instructorId}/${weekStart}`;
  const url = weekUrl(instructorId, weekStart);

  const state = {
    week: null, // the week as the server last told us
    local: null, // the days being edited
    saving: false,
    foreignChangeWhileSaving: false,
    epoch: 0, // bumped by every live update we apply; older REST answers are then dropped
    step: Number(localStorage.getItem(STEP_KEY)) === 15 ? 15 : 30,
  };
  let alive = true;
  let scrolled = false;

  const dirty = () => Boolean(state.week) && !sameDays(state.local, state.week.days);

  // ---- DOM ----
  const title = h('h1', { class: 'week-title', 'data-testid': 'week-title' });
  const saveButton = h('button', { class: 'btn btn-primary', 'data-testid': 'week-save', onclick: () => save() }, 'Save');
  const copyButton = h('button', { class: 'btn', 'data-testid': 'week-copy-next', onclick: () => copyToNextWeek() }, 'Copy to next week');
  const saveStatus = h('div', { class: 'save-status', 'data-testid': 'save-status', role: 'status', 'aria-live': 'polite' });
  const presence = h('div', { class: 'presence', 'data-testid': 'presence', hidden: true });
  const zoneNote = h('p', { class: 'muted small' });
  const banner = h('div', { class: 'banner banner-warn conflict-banner', 'data-testid': 'conflict-banner', role: 'alert', hidden: true },
    h('span', {}, h('strong', {}, 'This week was changed by someone else.'), ' Reload to see the latest version; your unsaved edits here will be discarded.'),
    h('button', { class: 'btn btn-small', 'data-testid': 'conflict-reload', onclick: () => reload() }, 'Reload'));
  const stepSelect = h('select', { 'aria-label': 'Grid resolution', value: String(state.step) },
    h('option', { value: '30' }, '30 min'), h('option', { value: '15' }, '15 min'));
  stepSelect.value = String(state.step);
  stepSelect.addEventListener('change', () => {
    state.step = Number(stepSelect.value);
    localStorage.setItem(STEP_KEY, String(state.step));
    render();
  });
  const grid = createWeekGrid({
    onAdd: (date, start, end) => edit(date, (ranges) => addRange(ranges, start, end)),
    onRemove: (date, range) => edit(date, (ranges) => removeRange(ranges, range, bookedSpans(date))),
    onBookedClick: (b) => setStatus(`Lesson #${b.booking_id} is ${b.status === 'held' ? 'on hold' : 'booked'} at this time; booked times can't be removed.`, 'info'),
  });
  const gridBox = h('div', { class: 'card grid-card' }, placeholder('loading', 'Loading week…'));
  const goWeek = (date) => ctx.navigate(`#/calendar/${instructorId}/${date}`);

  replace(root, h('section', { class: 'page page-wide' },
    h('div', { class: 'calendar-head' },
      h('div', { class: 'week-nav' },
        h('button', { class: 'btn btn-icon', 'data-testid': 'week-prev', 'aria-label': 'Previous week', onclick: () => goWeek(addDays(weekStart, -7)) }, '‹'),
        h('button', { class: 'btn btn-small', onclick: () => goWeek(mondayOf(todayIn(state.week?.timezone ?? me.timezone))) }, 'This week'),
        h('button', { class: 'btn btn-icon', 'data-testid': 'week-next', 'aria-label': 'Next week', onclick: () => goWeek(addDays(weekStart, 7)) }, '›'),
        h('div', {}, title, zoneNote)),
      h('div', { class: 'week-actions' },
        h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Grid'), stepSelect),
        copyButton, saveButton)),
    h('div', { class: 'calendar-status' }, saveStatus, presence),
    banner,
    gridBox));
  title.append(formatWeekSpan(weekStart), ' ', h('span', { class: 'week-span' }, weekStart));

  function setStatus(text, kind = 'info', extra = null) {
    replace(saveStatus, text, extra);
    saveStatus.className = `save-status is-${kind}`;
  }

  function bookedSpans(date) {
    return (state.week?.booked ?? [])
      .filter((b) => b.date === date && (!b.status || LIVE_BOOKING.has(b.status)))
      .map(bookedMinutes);
  }

  function render() {
    if (!state.week) return;
    const isDirty = dirty();
    saveButton.disabled = state.saving || !isDirty;
    saveButton.textContent = state.saving ? 'Saving…' : 'Save';
    copyButton.disabled = state.saving || isDirty;
    copyButton.title = isDirty ? 'Save your changes first' : `Copy this week onto the week of ${addDays(weekStart, 7)}`;
    const tz = state.week.timezone;
    zoneNote.textContent = `Times in ${zoneCity(tz)} (${tz})${tz !== me.timezone ? ` · you are in ${zoneCity(me.timezone)}` : ''}`;
    if (!grid.el.isConnected) replace(gridBox, grid.el);
    grid.render({
      weekStart, today: todayIn(tz), days: state.local, booked: state.week.booked ?? [],
      step: state.step, busy: state.saving,
    });
    if (!scrolled) {
      scrolled = true;
      grid.scrollToHour(6.75);
    }
  }

  function edit(date, change) {
    if (!state.week || state.saving) return;
    state.local = { ...state.local, [date]: change(state.local[date] ?? []) };
    if (dirty()) setStatus('Unsaved changes', 'warn');
    else setStatus('');
    render();
  }

  // Take a server week as the truth: local edits are discarded.
  function adopt(week) {
    state.week = week;
    state.local = cloneDays(week.days);
    banner.hidden = true;
    drafts.delete(key);
    render();
  }

  // A newer week from the server: applied when nothing local would be lost, else flagged.
  function receive(week) {
    if (!state.week) return adopt(week);
    if (week.version === state.week.version) return;
    if (!dirty()) adopt(week);
    else banner.hidden = false;
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
    replace(gridBox, placeholder('error', text,
      err.status === 403 ? null : h('button', { class: 'btn', onclick: () => { replace(gridBox, placeholder('loading', 'Loading week…')); refresh(); } }, 'Try again')));
  }

  async function reload() {
    setStatus('Reloading…');
    try {
      await fetchWeek({ conditional: false, force: true });
      if (alive) setStatus('Reloaded the latest version.', 'info');
    } catch (err) {
      if (alive) setStatus(`Couldn't reload: ${describeError(err)}`, 'error');
    }
  }

  function showBookedRange(err, prefix) {
    const bookings = err.body.bookings ?? [];
    setStatus(`${prefix}${err.message}`, 'error',
      bookings.length ? h('ul', { class: 'booking-conflicts' }, bookings.map((b) => h('li', {}, bookingLine(b)))) : null);
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
        banner.hidden = false;
        setStatus('Not saved: this week was changed by someone else. Reload to get the latest version.', 'error');
      } else if (err.code === 'booked_range') {
        showBookedRange(err, 'Not saved: ');
      } else {
        setStatus(`Not saved: ${describeError(err)}`, 'error');
      }
      render();
      if (state.foreignChangeWhileSaving) refresh();
    }
  }

  async function copyToNextWeek() {
    if (!state.week || dirty() || state.saving) return;
    const target = addDays(weekStart, 7);
    copyButton.disabled = true;
    setStatus(`Copying to the week of ${target}…`);
    try {
      const { data: next } = await request('GET', weekUrl(instructorId, target));
      await request('POST', `${url}/copy`, {
        body: { to: { [target]: next.version } },
        headers: { 'X-Client-Id': CLIENT_ID },
      });
      if (alive) {
        setStatus(`Copied to the week of ${target}.`, 'ok',
          h('a', { href: `#/calendar/${instructorId}/${target}`, class: 'status-link' }, 'Open it'));
      }
    } catch (err) {
      if (!alive) return;
      if (err.code === 'booked_range') showBookedRange(err, `Not copied to the week of ${target}: `);
      else if (err.code === 'stale_version') setStatus(`The week of ${target} changed while copying. Try again.`, 'error');
      else setStatus(`Not copied: ${describeError(err)}`, 'error');
    } finally {
      if (alive) render();
    }
  }

  function showPresence(editors) {
    const seen = new Set();
    const names = (editors ?? []).filter((e) => String(e.user_id) !== String(me.id) && !seen.has(e.user_id) && seen.add(e.user_id))
      .map((e) => e.full_name);
    presence.textContent = names.length ? `Also editing: ${names.join(', ')}` : '';
    presence.hidden = !names.length;
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
      const { by: _by, client_id: _clientId, ...week } = data;
      receive(week);
    } else if (msg.type === 'conflict') {
      if (ours || !state.week || data.version === state.week.version) return;
      if (state.saving) state.foreignChangeWhileSaving = true;
      else if (dirty()) banner.hidden = false;
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
  if (draft) {
    state.week = draft.week;
    state.local = draft.days;
    render();
    setStatus('Unsaved changes', 'warn');
  }
  refresh();

  return () => {
    alive = false;
    if (dirty()) drafts.set(key, { week: state.week, days: state.local });
    unsubscribe();
    grid.destroy();
  };
}
