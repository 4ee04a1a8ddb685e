// Moving a lesson (API.md `POST /api/bookings/{id}/reschedule`), in place on the lessons page: the
// instructor's open times of the same length, the lesson's own price and payment kept, allowed while
// it starts more than 24 hours ahead. Each refusal (402s, 409s, 503) is said in words.
import { api, describeError } from './api.js';
import { h, replace } from './dom.js';
import { cardsLink } from './payments.js';
import { dateIn, formatDayMedium, formatMoment, formatTimeIn } from './time.js';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const LOOK_AHEAD_DAYS = 28; // the slots endpoint answers at most 31 days at once

export const canReschedule = (booking, now = Date.now()) =>
  booking.status === 'confirmed' && Date.parse(booking.start) - now > DAY_MS;

const REFUSED = {
  reschedule_closed: 'It now starts in 24 hours or less, so it can no longer be moved. You can still cancel it.',
  slot_taken: 'That time was just taken or is no longer open. Pick another time.',
  not_reschedulable: 'Only a confirmed lesson can be moved.',
  payment_method_required: 'The new time is less than 24 hours away, so your card is authorized now, and you have no card saved. The lesson keeps its time.',
  card_declined: 'The new time is less than 24 hours away, so your card was authorized now, and the bank declined it. The lesson keeps its time.',
  authentication_required: 'The new time is less than 24 hours away, and your bank wants you to confirm the payment, which cannot happen here. The lesson keeps its time.',
  payment_unavailable: 'Payments are briefly unavailable, so nothing changed. Try again in a few seconds.',
};
const NEEDS_CARD = new Set(['payment_method_required', 'card_declined', 'authentication_required']);

export function refusalInWords(err) {
  return REFUSED[err?.code] ?? `Couldn't move it: ${describeError(err)}`;
}

// Open times grouped by the viewer's day: [[ymd, [slot…]], …], the lesson's own time left out.
function byDay(slots, booking, timeZone) {
  const days = new Map();
  for (const slot of slots) {
    if (Date.parse(slot.start) === Date.parse(booking.start) || Date.parse(slot.start) <= Date.now()) continue;
    const day = dateIn(new Date(slot.start), timeZone);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(slot);
  }
  return [...days.entries()];
}

// Replaces `actions` with the chooser; `onMoved(booking)` after the server moved it, `onClose()` to go back.
export function openReschedule(booking, actions, { me, label, onMoved, onClose, showStatus }) {
  const minutes = Math.round((Date.parse(booking.end) - Date.parse(booking.start)) / 60000);
  const headingId = `reschedule-heading-${booking.id}`;
  const selectId = `reschedule-time-${booking.id}`;
  const message = h('p', { class: 'small reschedule-message', 'data-testid': 'reschedule-message', role: 'alert', hidden: true });
  const select = h('select', { id: selectId, 'data-testid': 'reschedule-select', 'aria-busy': 'true' },
    h('option', { value: '' }, 'Loading open times…'));
  const move = h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'reschedule-confirm', disabled: true }, 'Move lesson');
  const keep = h('button', { class: 'btn btn-small', 'data-testid': 'reschedule-keep', onclick: onClose }, 'Keep the time');
  const panel = h('div', { class: 'reschedule', role: 'group', 'aria-labelledby': headingId, 'data-testid': 'reschedule-panel' },
    h('p', { class: 'small', id: headingId }, h('strong', {}, `Move ${label}`),
      ` to another open time of the same length (${minutes} minutes). The price and payment stay the same.`),
    h('label', { class: 'small', for: selectId }, 'New time'),
    select, message,
    h('div', { class: 'reschedule-buttons' }, keep, move));
  replace(actions, panel);
  select.addEventListener('change', () => { move.disabled = !select.value; });
  select.focus();

  const say = (text, link) => {
    replace(message, text, link ? ' ' : null, link);
    message.hidden = !text;
  };

  move.addEventListener('click', async (e) => {
    if (e.detail > 1 || !select.value) return;
    move.disabled = true;
    move.textContent = 'Moving…';
    say('');
    try {
      const moved = await api.post(`/api/bookings/${booking.id}/reschedule`, { start: select.value });
      showStatus(`Moved ${label} to ${formatMoment(new Date(moved.start), me.timezone)}.`, 'ok');
      onMoved(moved);
    } catch (err) {
      if (!panel.isConnected) return;
      const card = NEEDS_CARD.has(err?.code)
        ? h('a', { href: cardsLink(`#/bookings/upcoming/${booking.id}`), 'data-testid': 'reschedule-add-card' }, 'Add another card')
        : null;
      say(refusalInWords(err), card);
      move.disabled = false;
      move.textContent = 'Move lesson';
      if (err?.code === 'slot_taken') loadTimes();
      if (err?.code === 'reschedule_closed') { select.disabled = true; move.disabled = true; }
    }
  });

  async function loadTimes() {
    const first = dateIn(new Date(Date.now() - DAY_MS), me.timezone);
    const last = dateIn(new Date(Date.now() + LOOK_AHEAD_DAYS * DAY_MS), me.timezone);
    try {
      const open = await api.get(`/api/instructors/${booking.instructor_id}/slots`, { start: first, end: last, duration: minutes });
      if (!panel.isConnected) return;
      const days = byDay(open?.slots ?? [], booking, me.timezone);
      if (!days.length) {
        replace(select, h('option', { value: '' }, 'No other open times in the next four weeks'));
        select.removeAttribute('aria-busy');
        return;
      }
      replace(select, h('option', { value: '' }, 'Choose a time'), days.map(([day, slots]) =>
        h('optgroup', { label: formatDayMedium(day) }, slots.map((slot) =>
          h('option', { value: slot.start }, `${formatDayMedium(day)}, ${formatTimeIn(new Date(slot.start), me.timezone)}`)))));
      select.removeAttribute('aria-busy');
      move.disabled = !select.value;
    } catch (err) {
      if (panel.isConnected) say(`Couldn't load open times: ${describeError(err)}`);
    }
  }
  loadTimes();
}
