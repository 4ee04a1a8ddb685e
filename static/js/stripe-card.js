// Stripe.js v3 and its card Element: the card form of #/cards when GET /api/config hands out a
// publishable key. The card number goes from Stripe's frame straight to Stripe; we only ever see the
// payment method id Stripe.js makes of it (API.md "Payments").
import { h } from './dom.js';

const STRIPE_JS = 'https://js.stripe.com/v3/';
const LOAD_TIMEOUT_MS = 20_000;

let loading = null; // one <script> per page life; forgotten after a failure, so "Try again" retries
const instances = new Map(); // Stripe(key) once per key, as Stripe asks

function loadScript() {
  loading ??= new Promise((resolve, reject) => {
    if (window.Stripe) {
      resolve();
      return;
    }
    const script = document.createElement('script');
    script.src = STRIPE_JS;
    const fail = () => {
      clearTimeout(timer);
      script.remove();
      reject(new Error('Stripe.js did not load.'));
    };
    const timer = setTimeout(fail, LOAD_TIMEOUT_MS);
    script.addEventListener('error', fail);
    script.addEventListener('load', () => {
      clearTimeout(timer);
      if (window.Stripe) resolve();
      else fail();
    });
    document.head.append(script);
  }).catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

// Resolves to the page's Stripe object for `publishableKey`, loading Stripe.js the first time.
export async function loadStripe(publishableKey) {
  await loadScript();
  if (!instances.has(publishableKey)) instances.set(publishableKey, window.Stripe(publishableKey));
  return instances.get(publishableKey);
}

// The Element draws inside Stripe's frame, out of reach of app.css: the site's text, in 16px so
// phones do not zoom into it.
const ELEMENT_STYLE = {
  base: {
    color: '#1d2433',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    fontSize: '16px',
    lineHeight: '24px',
    '::placeholder': { color: '#667085' },
  },
  invalid: { color: '#c2352b', iconColor: '#c2352b' },
};

// The card form: a labelled card Element, what it says while typing, and "Add card", which hands
// `save(button, paymentMethod)` (payments.js) what Stripe made of the card and clears the form once
// saved. `mount()` once the form is on the page; `destroy()` when leaving it.
export function cardForm(stripe, save) {
  let card = null;
  const mountPoint = h('div', {
    id: 'card-element', class: 'card-element', 'data-testid': 'card-element',
    role: 'group', 'aria-labelledby': 'card-element-label', 'aria-describedby': 'card-element-error',
  });
  const typingError = h('p', { id: 'card-element-error', class: 'field-error', 'data-testid': 'card-element-error', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'card-add' }, 'Add card');
  const form = h('form', {
    class: 'card-form', 'data-testid': 'stripe-elements', novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      if (await save(button, () => paymentMethodFrom(stripe, card))) card.clear();
    },
  },
  h('label', { id: 'card-element-label', class: 'card-element-label', onclick: () => card?.focus() }, 'Card details'),
  mountPoint, typingError,
  h('div', { class: 'card-form-actions' },
    h('p', { class: 'muted small' }, 'Card details go straight to Stripe; InstaInstru never sees the number.'),
    button));
  return {
    form,
    mount() {
      card = stripe.elements().create('card', { style: ELEMENT_STYLE });
      card.mount(mountPoint);
      card.on('change', (event) => { typingError.textContent = event.error?.message ?? ''; });
    },
    destroy() {
      card?.destroy();
    },
  };
}

// What Stripe made of the card form: `{ id }` to save, or `{ error }`, Stripe's own words for the person.
async function paymentMethodFrom(stripe, card) {
  const result = await stripe.createPaymentMethod({ type: 'card', card });
  return result.error ? { error: result.error.message } : { id: result.paymentMethod.id };
}
