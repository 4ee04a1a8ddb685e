// Payments in the client (API.md "Payments"): the student's saved cards (#/cards), what pays for a
// lesson at review, a lesson's payment in words, and the instructor's earnings and payouts (#/earnings).
import { api, describeError } from './api.js';
import { h, money, placeholder, replace } from './dom.js';
import { cardForm, loadStripe } from './stripe-card.js';
import { relativeTime } from './time.js';

// The Stripe stand-in's test payment methods (API.md): each behaves as in Stripe's test mode.
export const TEST_CARDS = [
  ['pm_card_visa', 'Visa 4242 (succeeds)'],
  ['pm_card_mastercard', 'Mastercard 4444 (succeeds)'],
  ['pm_card_amex', 'American Express 8431 (succeeds)'],
  ['pm_card_chargeDeclined', 'Declined card'],
  ['pm_card_authenticationRequired', 'Needs authentication'],
];

const BRAND = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover' };
export const cardName = (c) => `${BRAND[c.brand] ?? c.brand ?? 'Card'} ending ${c.last4}`;
const expiry = (c) => `expires ${String(c.exp_month).padStart(2, '0')}/${String(c.exp_year).slice(-2)}`;

const PAYMENT_STATUS = {
  scheduled: 'Card authorized 24 h before',
  authorized: 'Card authorized',
  captured: 'Paid',
  released: 'Nothing charged',
  refunded: 'Refunded',
  failed: 'Payment failed: add a card',
  not_needed: 'Paid with credits',
};

// "$60 · Paid with credits": a lesson's price and where its payment stands.
export function paymentInWords(booking) {
  if (booking.price_cents == null) return '';
  const status = booking.payment?.status;
  return `${money(booking.price_cents)}${status ? ` · ${PAYMENT_STATUS[status] ?? status}` : ''}`;
}

// A cancellation quote in words: "Cancelling now: refund $0, credit $60, charged $0."
export function quoteInWords(policy) {
  if (!policy) return '';
  const parts = [];
  if (policy.refund_cents) parts.push(`${money(policy.refund_cents)} refunded to the card`);
  if (policy.credit_cents) parts.push(`${money(policy.credit_cents)} back as platform credit`);
  if (policy.charged_cents) parts.push(`${money(policy.charged_cents)} charged`);
  return `Cancelling now: ${parts.length ? parts.join(', ') : 'nothing is charged or refunded'}.`;
}

// Where a flow that needs a card sends the student, and how it comes back (`back` is a hash).
export const cardsLink = (back) => `#/cards${back ? `?back=${encodeURIComponent(back)}` : ''}`;

// What will pay for `priceCents`: credits first, then the default card. Resolves to a string.
export async function payerInWords(priceCents) {
  const [cards, credits] = await Promise.all([
    api.get('/api/me/payment-methods'),
    api.get('/api/me/credits').catch(() => ({ balance_cents: 0 })),
  ]);
  const card = (cards ?? []).find((c) => c.default) ?? cards?.[0];
  const fromCredits = Math.min(credits?.balance_cents ?? 0, priceCents);
  const rest = priceCents - fromCredits;
  // Where credits pay, a link to the credits screen says where they come from.
  const withCredits = (text) => h('span', {}, text, ' ', h('a', { href: '#/credits', 'data-testid': 'review-credits' }, 'See your credits'));
  if (!rest) return { text: withCredits(`Your credits (${money(fromCredits)} of your ${money(credits.balance_cents)})`), ok: true };
  const creditPart = fromCredits ? `${money(fromCredits)} from credits, ${money(rest)} ` : '';
  const said = (text) => (fromCredits ? withCredits(text) : text);
  if (!card) return { text: said(`${creditPart}No card saved yet: add one to book.`), ok: false };
  return { text: said(`${creditPart}${cardName(card)}`), ok: true };
}

// #/cards[?back=hash]: saved cards with Remove, and "Add a card".
export function mountCards(root, ctx, { query = '' } = {}) {
  let alive = true;
  let elements = null; // the Stripe Elements card form, once shown
  const asked = new URLSearchParams(query).get('back');
  const back = asked?.startsWith('#/') ? asked : null; // only a place in this app, never a javascript: URL
  const status = h('div', { class: 'banner', 'data-testid': 'cards-status', role: 'status', hidden: true });
  const list = h('div', {}, placeholder('loading', 'Loading your cards…'));
  const adder = h('section', { class: 'card cards-add', 'aria-labelledby': 'cards-add-heading' },
    h('h2', { id: 'cards-add-heading' }, 'Add a card'), placeholder('loading', 'Loading…'));
  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Payment'),
        h('p', { class: 'muted' }, 'Your newest card pays for lessons your credits do not cover.')),
      back ? h('a', { class: 'btn btn-primary', href: back, 'data-testid': 'cards-back' }, 'Back to your booking') : null),
    status, list, adder));

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  async function load() {
    try {
      const cards = await api.get('/api/me/payment-methods');
      if (!alive) return;
      if (!cards?.length) {
        replace(list, placeholder('empty', 'No saved cards yet.'));
        return;
      }
      replace(list, h('ul', { class: 'card-list', 'aria-label': 'Saved cards' }, cards.map((c) => h('li', {
        class: 'card saved-card', 'data-testid': 'saved-card', 'data-id': c.id,
      },
      h('span', { class: 'saved-card-name' }, cardName(c)),
      h('span', { class: 'muted small' }, expiry(c)),
      c.default ? h('span', { class: 'pill status-confirmed' }, 'Default') : h('span', {}),
      h('button', {
        class: 'btn btn-small btn-danger', 'data-testid': 'card-remove', 'aria-label': `Remove ${cardName(c)}`,
        onclick: () => remove(c),
      }, 'Remove')))));
    } catch (err) {
      if (alive) replace(list, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  async function remove(c) {
    try {
      await api.del(`/api/me/payment-methods/${c.id}`);
      if (alive) showStatus(`Removed ${cardName(c)}.`, 'ok');
    } catch (err) {
      if (alive) showStatus(`Couldn't remove the card: ${describeError(err)}`, 'error');
    }
    load();
  }

  // Saves the card `paymentMethod()` names: `{ id }` (a test id, or what Stripe.js made of the card
  // form) or `{ error }` (Stripe's refusal). The button waits meanwhile; resolves true once saved.
  async function add(button, paymentMethod) {
    button.disabled = true;
    showStatus('', 'ok');
    try {
      const { id, error } = await paymentMethod();
      if (!alive) return false;
      if (error) {
        showStatus(error, 'error');
        return false;
      }
      const card = await api.post('/api/me/payment-methods', { payment_method_id: id });
      if (!alive) return false;
      showStatus(`Added ${cardName(card)}; it is now your default card.`, 'ok');
      load();
      return true;
    } catch (err) {
      if (alive) showStatus(`Couldn't add the card: ${describeError(err)}`, 'error');
      return false;
    } finally {
      button.disabled = false;
    }
  }

  const heading = () => h('h2', { id: 'cards-add-heading' }, 'Add a card');

  // A publishable key: Stripe Elements, even against the stand-in (its test cards then come from the
  // stand-in Stripe.js). Without one, the stand-in's test-card chooser.
  async function showAdder() {
    let config;
    try {
      config = await api.get('/api/config');
    } catch (err) {
      if (alive) replace(adder, heading(), placeholder('error', describeError(err)));
      return;
    }
    if (!alive) return;
    if (config?.stripe_publishable_key) showCardForm(config.stripe_publishable_key);
    else if (config?.payments === 'standin') showChooser();
    else replace(adder, heading(), placeholder('empty', 'Payments are not configured.'));
  }

  function showChooser() {
    const select = h('select', { id: 'test-card', 'data-testid': 'test-card-select' },
      TEST_CARDS.map(([value, label]) => h('option', { value }, label)));
    const button = h('button', {
      class: 'btn btn-primary', 'data-testid': 'card-add', onclick: () => add(button, async () => ({ id: select.value })),
    }, 'Add card');
    replace(adder, heading(),
      h('p', { class: 'muted small' }, 'Payments run against the local Stripe stand-in: pick one of its test cards.'),
      h('div', { class: 'cards-add-row' },
        h('label', { for: 'test-card' }, 'Test card'), select, button));
  }

  async function showCardForm(publishableKey) {
    replace(adder, heading(), placeholder('loading', 'Loading the secure card form…'));
    let stripe;
    try {
      stripe = await loadStripe(publishableKey);
    } catch {
      if (alive) {
        replace(adder, heading(), placeholder('error',
          "The card form couldn't load: Stripe did not answer. Check your connection and try again.",
          h('button', { class: 'btn', 'data-testid': 'card-form-retry', onclick: () => showCardForm(publishableKey) }, 'Try again')));
      }
      return;
    }
    if (!alive) return;
    elements?.destroy();
    elements = cardForm(stripe, add);
    replace(adder, heading(), elements.form);
    elements.mount();
  }

  load();
  showAdder();
  return () => {
    alive = false;
    elements?.destroy();
  };
}

const PAYOUT_CONFLICT = {
  nothing_available: 'Nothing to pay out yet: earnings become available once a lesson is completed and its transfer arrives.',
  payouts_not_set_up: 'Set up payouts first: Stripe needs your bank details before it can pay you.',
};

// #/earnings: pending / available / paid, payouts, "Set up payouts" and "Pay out".
export function mountEarnings(root) {
  let alive = true;
  const status = h('div', { class: 'banner', 'data-testid': 'earnings-status', role: 'status', hidden: true });
  const body = h('div', {}, placeholder('loading', 'Loading your earnings…'));
  const setup = h('button', { class: 'btn', 'data-testid': 'payouts-setup', onclick: () => setUp() }, 'Set up payouts');
  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Earnings'),
        h('p', { class: 'muted' }, 'What your completed lessons earned, after the platform fee.')),
      setup),
    status, body));

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  async function setUp() {
    setup.disabled = true;
    try {
      const account = await api.post('/api/instructors/me/payouts-account', {});
      const url = account?.url ?? account?.onboarding_url;
      if (url) window.open(url, '_blank', 'noopener');
      if (alive) showStatus(url ? 'Stripe opened in a new tab: finish there, then come back.' : 'Payouts are set up.', 'info');
    } catch (err) {
      if (alive) showStatus(`Couldn't start payout set-up: ${describeError(err)}`, 'error');
    } finally {
      setup.disabled = false;
    }
  }

  async function payOut(method, button) {
    button.disabled = true;
    try {
      const payout = await api.post('/api/instructors/me/payouts', { method });
      if (alive) showStatus(`Payout of ${money(payout.amount_cents)} started${payout.fee_cents ? ` (fee ${money(payout.fee_cents)})` : ''}.`, 'ok');
    } catch (err) {
      if (alive) showStatus(PAYOUT_CONFLICT[err?.code] ?? `Couldn't pay out: ${describeError(err)}`, 'warn');
    } finally {
      button.disabled = false;
    }
    load();
  }

  const stat = (label, cents, testid) => h('div', { class: 'card earning-stat', 'data-testid': testid },
    h('span', { class: 'muted small' }, label), h('strong', {}, money(cents ?? 0)));

  async function load() {
    try {
      const e = await api.get('/api/instructors/me/earnings');
      if (!alive) return;
      const standard = h('button', { class: 'btn btn-primary', 'data-testid': 'payout-standard', onclick: () => payOut('standard', standard) }, 'Pay out');
      const instant = h('button', { class: 'btn', 'data-testid': 'payout-instant', onclick: () => payOut('instant', instant) }, 'Instant payout');
      replace(body,
        h('div', { class: 'earning-stats' },
          stat('Pending', e.pending_cents, 'earnings-pending'),
          stat('Available', e.available_cents, 'earnings-available'),
          stat('Paid out', e.paid_cents, 'earnings-paid')),
        h('div', { class: 'review-actions earning-actions' }, standard, instant),
        h('p', { class: 'muted small' }, 'Pay out sends the whole available balance to your bank in a few days; an instant payout arrives in minutes for a 1% fee (at least $0.50).'),
        h('h2', { class: 'earning-heading' }, 'Payouts'),
        e.payouts?.length
          ? h('ul', { class: 'booking-list', 'aria-label': 'Payouts' }, e.payouts.map((p) => h('li', { class: 'card payout-row', 'data-testid': 'payout-row' },
            h('strong', {}, money(p.amount_cents)),
            h('span', { class: 'muted small' }, `${p.method === 'instant' ? 'Instant' : 'Standard'}${p.fee_cents ? `, fee ${money(p.fee_cents)}` : ''} · ${relativeTime(p.created_at)}`),
            h('span', { class: 'pill' }, p.status.replace('_', ' ')))))
          : placeholder('empty', 'No payouts yet.'));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  load();
  return () => { alive = false; };
}
