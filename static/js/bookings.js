// Lessons (#/bookings[/upcoming|past|cancelled][/{id}]): the caller's lessons with the other
// person's name, cancellation that asks first and says what the policy did, moving a lesson more
// than 24 hours ahead to another open time (reschedule.js), and live updates from
// the caller's notification feed (a booking or cancellation by the other side refreshes the list).
import { api, describeError } from './api.js';
import { lengthLabel } from './booking-review.js';
import { h, placeholder, replace } from './dom.js';
import { paymentInWords, quoteInWords } from './payments.js';
import { canReschedule, openReschedule } from './reschedule.js';
import { offerReview } from './reviews.js';
import { formatMoment, formatTimeIn, zoneCity } from './time.js';

const HOUR_MS = 3600 * 1000;
const CANCELLABLE = new Set(['held', 'confirmed']);
const STATUS_LABEL = { held: 'On hold', confirmed: 'Confirmed', cancelled: 'Cancelled', completed: 'Completed' };
const LIVE_TYPES = new Set(['booking.created', 'booking.cancelled', 'booking.rescheduled', 'booking.completed']);
const TABS = [['upcoming', 'Upcoming'], ['past', 'Past'], ['cancelled', 'Cancelled']];
const EMPTY = { upcoming: 'No upcoming lessons.', past: 'No past lessons yet.', cancelled: 'No cancelled lessons.' };

// What cancelling now would do, by API.md's policy (the server decides; this is the warning).
function cancelPreview(booking, role, now = Date.now()) {
  if (booking.status === 'held') return 'The hold is released; nothing is charged.';
  if (role === 'instructor') return 'The student is refunded in full and told at once.';
  const ahead = Date.parse(booking.start) - now;
  if (ahead > 24 * HOUR_MS) return 'It is more than 24 hours away: cancelling is free.';
  if (ahead >= 12 * HOUR_MS) return 'It is 12 to 24 hours away: the price comes back to you as platform credit.';
  return 'It starts in less than 12 hours: the lesson is charged in full.';
}

const OUTCOME_TEXT = {
  free: 'Cancelled more than 24 hours ahead, so it is free: nothing is charged.',
  credit_refund: 'Cancelled 12 to 24 hours ahead: the price is refunded as platform credit.',
  charged_in_full: 'Cancelled less than 12 hours ahead: the lesson is charged in full.',
  full_refund: 'Cancelled by the instructor: the student is refunded in full.',
  hold_released: 'The hold was released; nothing was charged.',
  hold_expired: 'The hold expired before checkout finished.',
};

export function policyInWords(policy) {
  if (!policy) return '';
  return OUTCOME_TEXT[policy.outcome] ?? policy.detail ?? '';
}

export function mountBookings(root, ctx, { when = 'upcoming', lesson = null } = {}) {
  const { me } = ctx;
  const role = me.role === 'instructor' ? 'instructor' : 'student';
  let alive = true;
  let loadSeq = 0;
  let reloadTimer = null;
  let focusId = lesson;

  const status = h('div', { class: 'banner', 'data-testid': 'cancel-status', role: 'status', hidden: true });
  const live = h('p', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'lessons-live' });
  const body = h('div', {}, placeholder('loading', 'Loading your lessons…'));
  const tab = (value, label) => h('a', {
    href: `#/bookings/${value}`, class: `tab${when === value ? ' is-active' : ''}`, 'data-testid': `lessons-tab-${value}`,
    'aria-current': when === value ? 'page' : null,
  }, label);

  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, role === 'instructor' ? 'Lessons booked with you' : 'My lessons'),
        h('p', { class: 'muted' }, `Times in your timezone (${zoneCity(me.timezone)}).`)),
      h('nav', { class: 'tabs', 'aria-label': 'Lessons' }, TABS.map(([value, label]) => tab(value, label)))),
    status, live, body));

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  const other = (b) => (role === 'instructor' ? b.student_name : b.instructor_name) ?? 'someone';

  function row(b) {
    const start = new Date(b.start);
    const minutes = Math.round((Date.parse(b.end) - Date.parse(b.start)) / 60000);
    const actions = h('div', { class: 'booking-actions' });
    const item = h('li', {
      class: `card booking-row${String(b.id) === String(focusId) ? ' is-focused' : ''}`,
      'data-testid': 'booking-row', 'data-id': b.id, 'data-status': b.status, tabindex: '-1',
    },
    h('div', { class: 'booking-when' },
      h('strong', {}, formatMoment(start, me.timezone, { zone: false })),
      h('span', { class: 'muted small' }, `until ${formatTimeIn(new Date(b.end), me.timezone, { zone: true })} · ${lengthLabel(minutes)}`)),
    h('div', { class: 'booking-what' },
      h('span', { class: 'booking-lesson' }, b.service_name ?? 'Lesson'),
      h('span', { class: 'muted small booking-with', 'data-testid': 'booking-with' },
        role === 'instructor' ? `Student: ${other(b)}` : `with ${other(b)}`),
      b.price_cents != null ? h('span', { class: 'small booking-payment', 'data-testid': 'booking-payment' }, paymentInWords(b)) : null),
    h('span', { class: `pill status-${b.status}` }, STATUS_LABEL[b.status] ?? b.status),
    actions);
    if (CANCELLABLE.has(b.status) && when === 'upcoming') showCancel(b, actions);
    offerReview(b, actions, me); // a completed lesson of a student: "Review", once
    return item;
  }

  const lessonLabel = (b) => `${b.service_name ?? 'lesson'} with ${other(b)}`;

  function showCancel(b, actions) {
    if (refreshWaiting) queueMicrotask(scheduleLoad); // the choice closed: the refresh it held back runs
    const reschedule = canReschedule(b) ? h('button', {
      class: 'btn btn-small', 'data-testid': 'booking-reschedule', 'aria-label': `Reschedule ${lessonLabel(b)}`,
      onclick: () => openReschedule(b, actions, {
        me, label: lessonLabel(b), showStatus,
        onMoved: (moved) => { focusId = moved.id; load({ choiceDone: true }); },
        onClose: () => { showCancel(b, actions); actions.querySelector('[data-testid="booking-reschedule"]')?.focus(); },
      }),
    }, 'Reschedule') : null;
    replace(actions, reschedule, h('button', {
      class: 'btn btn-small btn-danger', 'data-testid': 'booking-cancel',
      'aria-label': `Cancel ${lessonLabel(b)}`, onclick: () => askCancel(b, actions),
    }, 'Cancel'));
  }

  // Asks in place: what it will do (the server's quote when it answers), then "Yes, cancel" or "Keep it".
  function askCancel(b, actions) {
    const preview = h('span', { 'data-testid': 'cancel-quote' }, cancelPreview(b, role));
    const yes = h('button', {
      class: 'btn btn-small btn-danger-solid', 'data-testid': 'booking-cancel-confirm',
      onclick: (e) => { if (e.detail <= 1) cancelBooking(b, yes, actions); },
    }, 'Yes, cancel lesson');
    const keep = h('button', { class: 'btn btn-small', 'data-testid': 'booking-cancel-keep', onclick: () => showCancel(b, actions) }, 'Keep it');
    replace(actions, h('div', { class: 'cancel-ask', role: 'group', 'aria-label': 'Cancel this lesson?' },
      h('p', { class: 'small' }, h('strong', {}, 'Cancel this lesson? '), preview),
      h('div', { class: 'cancel-ask-buttons' }, keep, yes)));
    keep.focus();
    api.get(`/api/bookings/${b.id}/cancellation`).then((policy) => {
      if (alive && preview.isConnected && policy) preview.textContent = `${cancelPreview(b, role)} ${quoteInWords(policy)}`;
    }).catch(() => {});
  }

  async function cancelBooking(b, button, actions) {
    button.disabled = true;
    button.textContent = 'Cancelling…';
    try {
      const result = await api.post(`/api/bookings/${b.id}/cancel`);
      if (!alive) return;
      showStatus(`Cancelled ${b.service_name ?? 'the lesson'} with ${other(b)} on ${formatMoment(new Date(b.start), me.timezone)}. ${policyInWords(result?.policy)}`, 'ok');
      load({ choiceDone: true });
    } catch (err) {
      if (!alive) return;
      showStatus(`Couldn't cancel: ${describeError(err)}`, 'error');
      showCancel(b, actions);
    }
  }

  // `choiceDone`: the row's open choice (a new time, a cancel question) just ended in a change; any
  // other refresh that finds a choice open when its answer comes waits for it to close.
  async function load({ choiceDone = false } = {}) {
    const seq = ++loadSeq;
    try {
      const bookings = await api.get('/api/bookings', { role, when });
      if (!alive || seq !== loadSeq) return;
      if (!choiceDone && choosing()) {
        refreshWaiting = true; // the student opened a choice while the list was on its way
        return;
      }
      if (!bookings?.length) {
        const action = role === 'student' && when === 'upcoming' ? h('a', { href: '#/instructors', class: 'btn btn-primary' }, 'Find an instructor') : null;
        replace(body, placeholder('empty', EMPTY[when], action));
        return;
      }
      // A refresh keeps the keyboard where it was (the same button of the same lesson).
      const active = document.activeElement;
      const activeRow = body.contains(active) ? active.closest('[data-id]')?.dataset.id : null;
      const activeControl = activeRow ? active.dataset.testid : null;
      replace(body, h('ul', { class: 'booking-list' }, bookings.map(row)));
      if (activeControl) body.querySelector(`[data-id="${CSS.escape(activeRow)}"] [data-testid="${CSS.escape(activeControl)}"]`)?.focus();
      const focused = focusId && body.querySelector(`[data-id="${CSS.escape(String(focusId))}"]`);
      if (focused) {
        focused.focus({ preventScroll: true });
        focused.scrollIntoView({ block: 'center' });
        focusId = null; // highlight once; later refreshes keep the user's place
      }
    } catch (err) {
      if (alive && seq === loadSeq) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: () => load() }, 'Try again')));
    }
  }

  // A refresh waits while the user is choosing (a cancel question or a new time is open in a row).
  let refreshWaiting = false;
  const choosing = () => body.querySelector('.reschedule, .cancel-ask') !== null;
  const scheduleLoad = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      refreshWaiting = choosing();
      if (!refreshWaiting) load();
    }, 150);
  };

  const unsubscribe = ctx.socket.subscribe(`notifications:${me.id}`, {
    onSubscribed: scheduleLoad, // closes the gap between the first load and the subscription
    onEvent: (msg) => {
      if (msg.type !== 'notification.created' || !LIVE_TYPES.has(msg.data?.type)) return;
      live.textContent = msg.data.title ?? 'Your lessons changed.';
      scheduleLoad();
    },
    onResync: scheduleLoad,
  });
  load();
  return () => {
    alive = false;
    clearTimeout(reloadTimer);
    unsubscribe();
  };
}
