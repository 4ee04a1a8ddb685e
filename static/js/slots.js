// The student's live slot view (#/instructor/{id}): open times for the next 14 days, booking,
// and a `slots:{id}` subscription that refetches whenever the instructor's open times change.
import { ApiError, describeError, request } from './api.js';
import { h, initials, money, placeholder, randomId, replace } from './dom.js';
import { durationsLabel, findInstructor } from './instructors.js';
import {
  addDays, browserTimeZone, dateIn, formatDateTimeIn, formatDayLong, formatTimeIn, todayIn, zoneCity,
} from './time.js';

const DAYS_SHOWN = 14;

export function mountSlots(root, ctx, { id }) {
  const viewerTz = ctx.me?.timezone || browserTimeZone();
  const idempotencyKeys = new Map(); // one key per attempted booking, reused when a retry is needed
  let alive = true;
  let instructor = null;
  let fetchSeq = 0;
  let refreshTimer = null;

  const serviceSelect = h('select', { 'data-testid': 'service-select', 'aria-label': 'Lesson' });
  const durationSelect = h('select', { 'data-testid': 'duration-select', 'aria-label': 'Length' });
  const price = h('span', { class: 'price' });
  const status = h('div', { class: 'banner', 'data-testid': 'booking-status', role: 'status', hidden: true });
  const slotsBox = h('div', { class: 'slot-days' }, placeholder('loading', 'Loading open times…'));
  const head = h('div', { class: 'page-head' }, placeholder('loading', 'Loading instructor…'));

  replace(root, h('section', { class: 'page' },
    h('a', { href: '#/instructors', class: 'back-link' }, '‹ All instructors'),
    head,
    h('div', { class: 'card slot-controls' },
      h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Lesson'), serviceSelect),
      h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Length'), durationSelect),
      price),
    status,
    slotsBox));

  const service = () => instructor?.services.find((s) => String(s.service_id) === serviceSelect.value);
  const duration = () => Number(durationSelect.value);

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  const renderPrice = () => {
    const s = service();
    price.textContent = s && duration() ? `${money(Math.round(s.hourly_rate_cents * duration() / 60))} · ${money(s.hourly_rate_cents)}/h` : '';
  };

  const fillDurations = () => {
    const previous = duration();
    const options = service()?.durations_minutes ?? [];
    replace(durationSelect, options.map((m) => h('option', { value: m }, durationsLabel([m]))));
    durationSelect.value = String(options.includes(previous) ? previous : options[0] ?? '');
    renderPrice();
  };

  const fetchSlots = async () => {
    if (!instructor || !duration()) return;
    const seq = ++fetchSeq;
    const start = todayIn(instructor.timezone);
    try {
      const { data } = await request('GET', `/api/instructors/${id}/slots`, {
        query: { start, end: addDays(start, DAYS_SHOWN - 1), duration: duration() },
      });
      if (alive && seq === fetchSeq) renderSlots(data.slots ?? []);
    } catch (err) {
      if (alive && seq === fetchSeq) {
        replace(slotsBox, placeholder('error', describeError(err),
          h('button', { class: 'btn', onclick: fetchSlots }, 'Try again')));
      }
    }
  };

  const scheduleRefresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(fetchSlots, 120);
  };

  const renderSlots = (slots) => {
    if (!slots.length) {
      replace(slotsBox, placeholder('empty', `No open ${duration()}-minute times in the next ${DAYS_SHOWN} days. Try another length or check back later.`));
      return;
    }
    const byDay = new Map();
    for (const slot of slots) {
      const day = dateIn(new Date(slot.start), viewerTz);
      if (!byDay.has(day)) byDay.set(day, []);
      byDay.get(day).push(slot);
    }
    const today = todayIn(viewerTz);
    const dayName = (day) => (day === today ? 'Today' : day === addDays(today, 1) ? 'Tomorrow' : null);
    replace(slotsBox, [...byDay].map(([day, daySlots]) => h('section', { class: 'slot-day' },
      h('h3', {}, formatDayLong(day), dayName(day) ? h('span', { class: 'pill' }, dayName(day)) : null),
      h('div', { class: 'slot-list' }, daySlots.map(slotChip)))));
  };

  const slotChip = (slot) => {
    const at = new Date(slot.start);
    const otherZone = instructor.timezone !== viewerTz;
    const canBook = !ctx.me || ctx.me.role === 'student';
    return h('div', { class: 'slot', 'data-testid': 'slot', 'data-start': slot.start },
      h('span', { class: 'slot-time' }, formatTimeIn(at, viewerTz),
        otherZone ? h('small', {}, `${formatTimeIn(at, instructor.timezone)} in ${zoneCity(instructor.timezone)}`) : null),
      h('button', {
        class: 'btn btn-small btn-primary', 'data-testid': 'slot-book', disabled: !canBook,
        title: canBook ? null : 'Only students can book lessons',
        onclick: (e) => book(slot, e.currentTarget),
      }, 'Book'));
  };

  const book = async (slot, button) => {
    if (!ctx.me) {
      ctx.requireLogin();
      return;
    }
    const s = service();
    const keyName = `${slot.start}|${s.service_id}|${duration()}`;
    if (!idempotencyKeys.has(keyName)) idempotencyKeys.set(keyName, randomId());
    button.disabled = true;
    button.textContent = 'Booking…';
    showStatus('', 'info');
    try {
      const { data } = await request('POST', '/api/bookings', {
        body: { instructor_id: Number(id), service_id: s.service_id, start: slot.start, duration_minutes: duration() },
        headers: { 'Idempotency-Key': idempotencyKeys.get(keyName) },
      });
      idempotencyKeys.delete(keyName);
      if (!alive) return;
      const when = formatDateTimeIn(new Date(data?.start ?? slot.start), viewerTz);
      const held = data?.status === 'held' ? ' (held — confirm to keep it)' : '';
      showStatus(`Booked: ${s.name} with ${instructor.full_name}, ${when}, ${duration()} min${held}. It is listed under My lessons.`, 'ok');
    } catch (err) {
      if (err instanceof ApiError && err.status !== 0) idempotencyKeys.delete(keyName);
      if (!alive) return;
      if (err instanceof ApiError && err.code === 'slot_taken') {
        showStatus('Sorry, that time was just taken. The open times below are up to date.', 'error');
      } else showStatus(`Couldn't book: ${describeError(err)}`, 'error');
      button.disabled = false;
      button.textContent = 'Book';
    }
    if (alive) fetchSlots();
  };

  const renderHead = () => {
    const mine = ctx.me && String(ctx.me.id) === String(id);
    replace(head,
      h('div', { class: 'instructor-hero' },
        h('span', { class: 'avatar avatar-large', 'aria-hidden': 'true' }, initials(instructor.full_name)),
        h('div', {},
          h('h1', {}, instructor.full_name),
          h('p', { class: 'muted' }, `Times shown in ${zoneCity(viewerTz)} time`,
            instructor.timezone !== viewerTz ? ` · instructor is in ${zoneCity(instructor.timezone)}` : ''),
          mine ? h('p', { class: 'muted small' }, 'This is how students see your open times.') : null,
          ctx.me && ctx.me.role !== 'student' && !mine ? h('p', { class: 'muted small' }, 'Log in as a student to book.') : null)));
  };

  const load = async () => {
    try {
      instructor = await findInstructor(id);
    } catch (err) {
      if (alive) replace(head, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
      replace(slotsBox);
      return;
    }
    if (!alive) return;
    if (!instructor) {
      replace(head, placeholder('empty', "This instructor isn't available.", h('a', { href: '#/instructors', class: 'btn' }, 'See all instructors')));
      replace(slotsBox);
      return;
    }
    renderHead();
    const services = instructor.services ?? [];
    if (!services.length) {
      replace(slotsBox, placeholder('empty', `${instructor.full_name} hasn't listed any lessons yet.`));
      return;
    }
    replace(serviceSelect, services.map((s) => h('option', { value: s.service_id }, s.name)));
    fillDurations();
    fetchSlots();
  };

  serviceSelect.addEventListener('change', () => { fillDurations(); fetchSlots(); });
  durationSelect.addEventListener('change', () => { renderPrice(); fetchSlots(); });

  const unsubscribe = ctx.socket.subscribe(`slots:${id}`, {
    onSubscribed: scheduleRefresh, // closes the gap between the first fetch and the subscription
    onEvent: (msg) => { if (msg.type === 'slots.changed') scheduleRefresh(); },
    onResync: scheduleRefresh,
  });
  load();

  return () => {
    alive = false;
    clearTimeout(refreshTimer);
    unsubscribe();
  };
}
