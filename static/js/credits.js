// Credits (#/credits): the student's platform credit balance and every entry that made it
// (API.md `GET /api/me/credits`), newest first, each kind in words and its lesson linked.
import { api, describeError } from './api.js';
import { h, money, placeholder, replace } from './dom.js';
import { formatMoment } from './time.js';

const KIND = {
  referral: 'Referral reward',
  cancellation: 'Cancelled lesson refunded as credit',
  goodwill: 'Credit from InstaInstru',
  spend: 'Paid for a lesson',
  return: 'Given back from a lesson',
};

export const creditKindInWords = (kind) => KIND[kind] ?? kind;

// Credits given back belong to lessons that did not happen (cancelled); spent ones to booked lessons.
const lessonTab = (kind) => (kind === 'spend' ? 'upcoming' : 'cancelled');

const signed = (cents) => `${cents < 0 ? '−' : '+'}${money(Math.abs(cents))}`;

export function mountCredits(root, ctx) {
  const { me } = ctx;
  let alive = true;
  const body = h('div', { class: 'credits' }, placeholder('loading', 'Loading your credits…'));
  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Credits'),
        h('p', { class: 'muted' }, 'Platform credit pays for your next lessons before your card does.'))),
    body));

  function entryRow(entry) {
    const lesson = entry.booking_id
      ? h('a', { href: `#/bookings/${lessonTab(entry.kind)}/${entry.booking_id}`, class: 'small', 'data-testid': 'credit-lesson' },
        `Lesson #${entry.booking_id}`)
      : null;
    return h('li', { class: 'credit-row', 'data-testid': 'credit-entry', 'data-kind': entry.kind },
      h('div', { class: 'credit-what' },
        h('strong', { 'data-testid': 'credit-kind' }, creditKindInWords(entry.kind)),
        h('span', { class: 'muted small' }, formatMoment(new Date(entry.created_at), me.timezone)),
        lesson),
      h('span', {
        class: `credit-amount ${entry.amount_cents < 0 ? 'is-out' : 'is-in'}`, 'data-testid': 'credit-amount',
      }, signed(entry.amount_cents)));
  }

  async function load() {
    try {
      const credits = await api.get('/api/me/credits');
      if (!alive) return;
      const entries = credits.entries ?? [];
      replace(body,
        h('section', { class: 'card credits-balance', 'aria-labelledby': 'credits-balance-heading' },
          h('h2', { id: 'credits-balance-heading' }, 'Balance'),
          h('p', { class: 'credits-total', 'data-testid': 'credits-balance' }, money(credits.balance_cents)),
          h('p', { class: 'muted small' }, credits.balance_cents
            ? 'Used first when you book; your card pays the rest.'
            : 'Credit comes from referrals, lessons cancelled 12 to 24 hours ahead, and InstaInstru.')),
        h('section', { class: 'card', 'aria-labelledby': 'credits-history-heading' },
          h('h2', { id: 'credits-history-heading' }, 'History'),
          entries.length
            ? h('ul', { class: 'credit-list', 'data-testid': 'credit-entries' }, entries.map(entryRow))
            : placeholder('empty', 'No credit yet.')));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  load();
  return () => { alive = false; };
}
