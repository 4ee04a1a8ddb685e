// The booking review step and its confirmation: what the student is about to book (lesson,
// length, price, the time in both zones, the cancellation policy in words), then what it booked.
import { h, money } from './dom.js';
import { formatMoment, zoneCity } from './time.js';

const HOUR_MS = 3600 * 1000;

// These cards replace what was just clicked: the second click of a double click (detail 2) lands
// on them and must do nothing. Keyboard activation has detail 0.
const singleClick = (action) => (e) => { if (e.detail <= 1) action(); };

export function lengthLabel(minutes) {
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `${hours} hour${hours > 1 ? 's' : ''}${rest ? ` ${rest} minutes` : ''}`;
}

// API.md "Cancel": free more than 24 h ahead, platform credit 12–24 h, charged in full under 12 h.
export function policyLines(start, viewerTz, now = Date.now()) {
  const ahead = start.getTime() - now;
  const freeUntil = new Date(start.getTime() - 24 * HOUR_MS);
  const creditUntil = new Date(start.getTime() - 12 * HOUR_MS);
  const lines = [];
  if (ahead > 24 * HOUR_MS) lines.push(`Free cancellation until ${formatMoment(freeUntil, viewerTz)}.`);
  if (ahead > 12 * HOUR_MS) {
    lines.push(`Cancel ${ahead > 24 * HOUR_MS ? 'after that, ' : ''}up to ${formatMoment(creditUntil, viewerTz)}: refunded as platform credit.`);
  }
  lines.push('Cancel less than 12 hours before the lesson: charged in full.');
  lines.push('If the instructor cancels, you are refunded in full.');
  return lines;
}

function summaryRow(label, ...value) {
  return h('div', { class: 'review-row' }, h('dt', {}, label), h('dd', {}, ...value));
}

// Both zones, labelled by whose they are; one line when they agree.
function whenRows(start, viewerTz, instructorTz, instructorName) {
  if (viewerTz === instructorTz) {
    return [summaryRow('When', formatMoment(start, viewerTz, { weekday: 'long' }),
      h('span', { class: 'muted small' }, ` · your time and ${instructorName}'s (${zoneCity(viewerTz)})`))];
  }
  return [
    summaryRow('Your time', formatMoment(start, viewerTz, { weekday: 'long' }),
      h('span', { class: 'muted small' }, ` · ${zoneCity(viewerTz)}`)),
    summaryRow("Instructor's time", formatMoment(start, instructorTz, { weekday: 'long' }),
      h('span', { class: 'muted small' }, ` · ${zoneCity(instructorTz)}`)),
  ];
}

// `booking`: { instructor, service, duration, slot, viewerTz }. Returns { card, confirm, message,
// heading, payer (filled in by the caller: the card or credits that will pay), price }.
export function reviewCard(booking, { me, onConfirm, onBack }) {
  const { instructor, service, duration, slot, viewerTz } = booking;
  const start = new Date(slot.start);
  const price = Math.round(service.hourly_rate_cents * duration / 60);
  const canBook = !me || me.role === 'student';
  const payer = h('span', { 'data-testid': 'review-payer' }, 'Checking your card and credits…');
  const message = h('p', { class: 'review-message', 'data-testid': 'booking-message', role: 'alert', hidden: true });
  const confirm = h('button', {
    class: 'btn btn-primary btn-large', 'data-testid': 'booking-confirm', disabled: !canBook,
    onclick: singleClick(onConfirm),
  }, me ? 'Confirm booking' : 'Log in to book');
  const heading = h('h2', { tabindex: '-1', id: 'review-heading' }, 'Review your lesson');
  const card = h('section', { class: 'card review-card', 'data-testid': 'booking-review', 'aria-labelledby': 'review-heading' },
    heading,
    h('dl', { class: 'review-summary' },
      summaryRow('Lesson', `${service.name} with ${instructor.full_name}`),
      summaryRow('Length', lengthLabel(duration)),
      ...whenRows(start, viewerTz, instructor.timezone, instructor.full_name),
      summaryRow('Price', h('span', { 'data-testid': 'review-price' }, money(price)), h('span', { class: 'muted small' }, ` · ${money(service.hourly_rate_cents)} an hour`)),
      me?.role === 'student' ? summaryRow('Paid with', payer) : null),
    h('div', { class: 'review-policy' },
      h('h3', {}, 'Cancellation policy'),
      h('ul', {}, policyLines(start, viewerTz).map((line) => h('li', {}, line)))),
    canBook ? null : h('p', { class: 'muted small' }, 'Only students can book lessons. Log in with a student account to book.'),
    message,
    h('div', { class: 'review-actions' },
      h('button', { class: 'btn', 'data-testid': 'booking-back', onclick: singleClick(onBack) }, 'Pick another time'),
      confirm));
  return { card, confirm, message, heading, payer, price };
}

export function confirmationCard(booking, data, { onAnother }) {
  const { instructor, service, duration, viewerTz } = booking;
  const start = new Date(data.start);
  const held = data.status === 'held';
  const heading = h('h2', { tabindex: '-1', id: 'confirmation-heading' }, held ? 'Your lesson is on hold' : "You're booked");
  const card = h('section', {
    class: 'card review-card confirmation-card', 'data-testid': 'booking-confirmation', role: 'status',
    'aria-labelledby': 'confirmation-heading',
  },
  heading,
  h('p', { class: 'confirmation-text' },
    `Booked: ${data.service_name ?? service.name} with ${data.instructor_name ?? instructor.full_name}, `,
    h('strong', {}, formatMoment(start, viewerTz, { weekday: 'long' })), `, ${lengthLabel(duration)}.`,
    held ? ' Confirm it before the hold runs out.' : ''),
  instructor.timezone !== viewerTz
    ? h('p', { class: 'muted small' }, `That is ${formatMoment(start, instructor.timezone)} for ${instructor.full_name}.`)
    : null,
  h('div', { class: 'review-actions' },
    h('button', { class: 'btn', 'data-testid': 'booking-another', onclick: singleClick(onAnother) }, 'Book another time'),
    h('a', { class: 'btn btn-primary', href: '#/bookings', 'data-testid': 'booking-see-lessons' }, 'See my lessons')));
  return { card, heading };
}
