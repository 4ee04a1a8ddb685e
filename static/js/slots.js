// The student's live slot view (#/instructor/{id}): pick a day, then a time, review, confirm.
// A `slots:{id}` subscription refetches whenever the instructor's open times change. The choice
// lives in the hash (?service=&duration=&start=), so "log in to book" comes back to the same slot.
import { ApiError, describeError, request } from './api.js';
import { confirmationCard, reviewCard } from './booking-review.js';
import { cardsLink, payerInWords } from './payments.js';

// A 402 at booking (API.md "Payments"): nothing was booked; the student needs another card.
const CARD_PROBLEM = {
  payment_method_required: 'Nothing was booked: add a card, as your credits do not cover the price.',
  card_declined: 'Nothing was booked: your card was declined.',
  authentication_required: 'Nothing was booked: your bank wants to confirm this payment, which cannot be done here. Use another card.',
};
import { h, initials, money, placeholder, randomId, replace } from './dom.js';
import { durationsLabel, findInstructor } from './instructors.js';
import {
  addDays, browserTimeZone, dateIn, formatDayShort, formatMoment, formatTimeIn, todayIn, zoneCity,
} from './time.js';

const DAYS_SHOWN = 14;
const PARTS_OF_DAY = [['Morning', 0, 12], ['Afternoon', 12, 17], ['Evening', 17, 24]];

function hourIn(instant, timeZone) {
  const hour = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(instant);
  return Number(hour) % 24;
}

export function mountSlots(root, ctx, { id, query }) {
  const viewerTz = ctx.me?.timezone || browserTimeZone();
  const asked = new URLSearchParams(query ?? '');
  let alive = true;
  let instructor = null;
  let fetchSeq = 0;
  let refreshTimer = null;
  let byDay = new Map(); // viewer's date → slots
  let day = null; // the chosen date
  let mode = 'times'; // 'times' | 'review' | 'done'
  let review = null; // { slot, key, view, submitting }
  let pendingStart = asked.get('start'); // a slot to reopen (after logging in)

  const serviceSelect = h('select', { 'data-testid': 'service-select', 'aria-label': 'Lesson' });
  const durationSelect = h('select', { 'data-testid': 'duration-select', 'aria-label': 'Length' });
  const price = h('span', { class: 'price' });
  const note = h('div', { class: 'banner', 'data-testid': 'booking-status', role: 'status', hidden: true });
  const strip = h('div', { class: 'day-strip', role: 'group', 'aria-label': 'Day', 'data-testid': 'day-strip' });
  const panel = h('div', { class: 'slot-panel' }, placeholder('loading', 'Loading open times…'));
  const head = h('div', { class: 'page-head' }, placeholder('loading', 'Loading instructor…'));

  replace(root, h('section', { class: 'page booking-page' },
    h('a', { href: '#/instructors', class: 'back-link' }, '‹ All instructors'),
    head,
    h('div', { class: 'card slot-controls' },
      h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Lesson'), serviceSelect),
      h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Length'), durationSelect),
      price),
    note, strip, panel));

  const service = () => instructor?.services.find((s) => String(s.service_id) === serviceSelect.value);
  const duration = () => Number(durationSelect.value);

  const showNote = (text, kind = 'info') => {
    note.textContent = text;
    note.className = `banner banner-${kind}`;
    note.hidden = !text;
  };

  // Keep the choice in the address without a navigation (no hashchange, no re-mount).
  const remember = (start) => {
    const params = new URLSearchParams({ service: serviceSelect.value, duration: durationSelect.value });
    if (start) params.set('start', start);
    history.replaceState(null, '', `#/instructor/${id}?${params}`);
  };

  const renderPrice = () => {
    const s = service();
    price.textContent = s && duration() ? `${money(Math.round(s.hourly_rate_cents * duration() / 60))} · ${money(s.hourly_rate_cents)}/h` : '';
  };

  const fillDurations = (wanted) => {
    const previous = wanted ?? duration();
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
      if (alive && seq === fetchSeq) received(data.slots ?? []);
    } catch (err) {
      if (alive && seq === fetchSeq && mode === 'times') {
        replace(panel, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: fetchSlots }, 'Try again')));
      }
    }
  };

  const scheduleRefresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(fetchSlots, 120);
  };

  const received = (slots) => {
    byDay = new Map();
    for (const slot of slots) {
      const date = dateIn(new Date(slot.start), viewerTz);
      if (!byDay.has(date)) byDay.set(date, []);
      byDay.get(date).push(slot);
    }
    if (pendingStart) {
      const wanted = pendingStart;
      pendingStart = null;
      day = dateIn(new Date(wanted), viewerTz);
      const slot = (byDay.get(day) ?? []).find((s) => Date.parse(s.start) === Date.parse(wanted));
      if (slot) {
        renderStrip();
        openReview(slot);
        return;
      }
      showNote(`The time you picked (${formatMoment(new Date(wanted), viewerTz)}) is no longer open. Please pick another.`, 'warn');
    }
    if (!day || !byDay.has(day)) day = [...byDay.keys()][0] ?? null;
    renderStrip();
    if (mode === 'times') renderTimes();
    else if (mode === 'review') reviewStillOpen();
  };

  // Fourteen fixed-size day buttons: a refresh changes their counts, never their place.
  const renderStrip = () => {
    const today = todayIn(viewerTz);
    replace(strip, Array.from({ length: DAYS_SHOWN }, (_, i) => {
      const date = addDays(today, i);
      const count = byDay.get(date)?.length ?? 0;
      const { weekday, day: dayNumber } = formatDayShort(date);
      const month = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short' }).format(new Date(`${date}T12:00:00Z`));
      return h('button', {
        type: 'button', class: `day-chip${date === day ? ' is-selected' : ''}`, 'data-testid': 'slot-day', 'data-date': date,
        'aria-pressed': String(date === day), disabled: !count,
        'aria-label': `${i === 0 ? 'Today' : i === 1 ? 'Tomorrow' : weekday}, ${month} ${dayNumber}: ${count ? `${count} open time${count > 1 ? 's' : ''}` : 'no open times'}`,
        onclick: () => pickDay(date),
      },
      h('span', { class: 'day-chip-weekday' }, i === 0 ? 'Today' : weekday),
      h('span', { class: 'day-chip-date' }, dayNumber),
      h('span', { class: 'day-chip-count' }, count ? `${count} open` : '—'));
    }));
  };

  const pickDay = (date) => {
    day = date;
    mode = 'times';
    review = null;
    showNote('');
    remember(null);
    renderStrip();
    renderTimes();
  };

  const renderTimes = () => {
    const slots = day ? byDay.get(day) ?? [] : [];
    if (!slots.length) {
      replace(panel, placeholder('empty', `No open ${duration()}-minute times in the next ${DAYS_SHOWN} days. Try another length or check back later.`));
      return;
    }
    const otherZone = instructor.timezone !== viewerTz;
    const groups = PARTS_OF_DAY.map(([label, from, to]) => [label, slots.filter((s) => {
      const hour = hourIn(new Date(s.start), viewerTz);
      return hour >= from && hour < to;
    })]).filter(([, list]) => list.length);
    const dayTitle = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric' })
      .format(new Date(`${day}T12:00:00Z`));
    replace(panel, h('section', { class: 'card time-picker', 'aria-labelledby': 'times-heading' },
      h('h2', { id: 'times-heading' }, dayTitle),
      h('p', { class: 'muted small' }, `Pick a start time (${zoneCity(viewerTz)} time). You can review before booking.`),
      groups.map(([label, list]) => h('div', { class: 'time-group' },
        h('h3', {}, label),
        h('div', { class: 'time-list' }, list.map((slot) => {
          const at = new Date(slot.start);
          return h('button', {
            type: 'button', class: 'time-chip', 'data-testid': 'slot', 'data-start': slot.start,
            'aria-label': `${formatTimeIn(at, viewerTz)}${otherZone ? `, ${formatTimeIn(at, instructor.timezone)} in ${zoneCity(instructor.timezone)}` : ''}`,
            onclick: () => openReview(slot),
          },
          h('span', {}, formatTimeIn(at, viewerTz)),
          otherZone ? h('small', {}, `${formatTimeIn(at, instructor.timezone)} ${zoneCity(instructor.timezone)}`) : null);
        }))))));
  };

  // Show a card where the user is looking: in view, focused, without moving anything else.
  const present = (card, heading) => {
    replace(panel, card);
    heading.focus({ preventScroll: true });
    card.scrollIntoView({ block: 'nearest' });
  };

  const openReview = (slot) => {
    const booking = { instructor, service: service(), duration: duration(), slot, viewerTz };
    review = { slot, booking, key: randomId(), submitting: false }; // one Idempotency-Key per review
    review.view = reviewCard(booking, { me: ctx.me, onConfirm: () => confirm(review), onBack: () => pickDay(day) });
    mode = 'review';
    remember(slot.start);
    showNote('');
    present(review.view.card, review.view.heading);
    if (ctx.me?.role === 'student') showPayer(review);
  };

  // The card or credits that will pay, under the price; a link to add a card when there is none.
  const showPayer = async (current) => {
    try {
      const { text, ok } = await payerInWords(current.view.price);
      if (!alive || current !== review) return;
      replace(current.view.payer, text, ok ? null : ' ', ok ? null : h('a', { href: cardsLink(location.hash), 'data-testid': 'review-add-card' }, 'Add a card'));
    } catch {
      if (alive && current === review) replace(current.view.payer, 'Your saved card');
    }
  };

  const reviewStillOpen = () => {
    if (!review || review.submitting) return;
    const open = (byDay.get(dateIn(new Date(review.slot.start), viewerTz)) ?? [])
      .some((s) => Date.parse(s.start) === Date.parse(review.slot.start));
    if (!open) reviewProblem(review, 'Sorry, this time was just taken. Pick another time.', true);
  };

  const reviewProblem = (current, text, gone) => {
    const { message, confirm: button } = current.view;
    message.textContent = text;
    message.hidden = false;
    if (gone) button.disabled = true;
  };

  const confirm = async (current) => {
    if (current !== review || current.submitting) return;
    if (!ctx.me) {
      ctx.requireLogin(); // comes back to this address, which names the slot
      return;
    }
    const button = current.view.confirm;
    current.submitting = true;
    button.disabled = true;
    button.textContent = 'Booking…';
    current.view.message.hidden = true;
    const { service: s, duration: minutes, slot } = current.booking;
    try {
      const { data } = await request('POST', '/api/bookings', {
        body: { instructor_id: Number(id), service_id: s.service_id, start: slot.start, duration_minutes: minutes },
        headers: { 'Idempotency-Key': current.key },
      });
      if (!alive || current !== review) return;
      mode = 'done';
      review = null;
      remember(null);
      const done = confirmationCard(current.booking, data, { onAnother: () => { pickDay(day); fetchSlots(); } });
      present(done.card, done.heading);
    } catch (err) {
      if (!alive || current !== review) return;
      current.submitting = false;
      button.textContent = 'Confirm booking';
      if (err instanceof ApiError && err.code === 'slot_taken') {
        reviewProblem(current, 'Sorry, that time was just taken. Pick another time: the open times are up to date.', true);
        fetchSlots();
        return;
      }
      // Same key on a retry: if the first attempt did book, the server answers with that booking.
      button.disabled = false;
      if (err instanceof ApiError && err.status === 402) {
        const { message } = current.view;
        replace(message, CARD_PROBLEM[err.code] ?? `Couldn't book: ${describeError(err)}`, ' ',
          h('a', { href: cardsLink(location.hash), 'data-testid': 'booking-add-card' }, 'Go to Payment to add a card'),
          ', then come back to this time.');
        message.hidden = false;
        return;
      }
      reviewProblem(current, `Couldn't book: ${describeError(err)}`, false);
    }
  };

  const renderHead = () => {
    const mine = ctx.me && String(ctx.me.id) === String(id);
    replace(head,
      h('div', { class: 'instructor-hero' },
        h('span', { class: 'avatar avatar-large', 'aria-hidden': 'true' }, initials(instructor.full_name)),
        h('div', { class: 'instructor-hero-text' },
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
      replace(panel);
      return;
    }
    if (!alive) return;
    if (!instructor) {
      replace(head, placeholder('empty', "This instructor isn't available.", h('a', { href: '#/instructors', class: 'btn' }, 'See all instructors')));
      replace(panel);
      return;
    }
    renderHead();
    const services = instructor.services ?? [];
    if (!services.length) {
      replace(panel, placeholder('empty', `${instructor.full_name} hasn't listed any lessons yet.`));
      return;
    }
    replace(serviceSelect, services.map((s) => h('option', { value: s.service_id }, s.name)));
    if (services.some((s) => String(s.service_id) === asked.get('service'))) serviceSelect.value = asked.get('service');
    fillDurations(Number(asked.get('duration')) || undefined);
    fetchSlots();
  };

  const changed = () => {
    mode = 'times';
    review = null;
    pendingStart = null;
    remember(null);
    fetchSlots();
  };
  serviceSelect.addEventListener('change', () => { fillDurations(); changed(); });
  durationSelect.addEventListener('change', () => { renderPrice(); changed(); });

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
