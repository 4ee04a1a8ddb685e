// A stand-in for Stripe.js v3 (https://js.stripe.com/v3/), for browser tests that cannot reach Stripe:
// window.Stripe(key).elements().create('card') mounts plain labelled inputs (Stripe's are in an
// iframe), and createPaymentMethod turns Stripe's test card numbers into the test payment method ids
// the Stripe stand-in knows. A classic script, no inline styles (pages forbid them), nothing sent anywhere.
(() => {
  const TEST_CARDS = {
    '4242424242424242': 'pm_card_visa',
    '5555555555554444': 'pm_card_mastercard',
    '378282246310005': 'pm_card_amex',
    '4000000000000002': 'pm_card_chargeDeclined',
    '4000002760003184': 'pm_card_authenticationRequired',
    // Stripe's "authentication on setup" card (pm_card_authenticationRequiredOnSetup): the server
    // stand-in has only the card that asks every time, which it then stands for.
    '4000002500003155': 'pm_card_authenticationRequired',
  };
  // Stripe's own codes and messages for what the card Element refuses.
  const MESSAGES = {
    incomplete_number: 'Your card number is incomplete.',
    invalid_number: 'Your card number is invalid.',
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration month is invalid.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    incomplete_cvc: "Your card's security code is incomplete.",
  };
  const validationError = (code) => ({ type: 'validation_error', code, message: MESSAGES[code] });

  const digits = (text) => text.replace(/\D/g, '');
  const brandOf = (number) => {
    if (/^4/.test(number)) return 'visa';
    if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
    if (/^3[47]/.test(number)) return 'amex';
    if (/^6(011|5)/.test(number)) return 'discover';
    return 'unknown';
  };
  const numberLength = (brand) => (brand === 'amex' ? 15 : 16);
  const luhn = (number) => {
    let sum = 0;
    [...number].reverse().forEach((d, i) => {
      let n = Number(d);
      if (i % 2) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
      sum += n;
    });
    return sum % 10 === 0;
  };

  // What is wrong with the Element's fields, in their order: [code, final], `final` when more typing
  // cannot fix it (an invalid number), so the Element says it at once rather than at submit.
  function problems({ number, expiry, cvc }) {
    const brand = brandOf(number);
    const found = [];
    if (number.length < numberLength(brand)) found.push(['incomplete_number', false]);
    else if (!luhn(number)) found.push(['invalid_number', true]);
    const [month, year] = [Number(expiry.slice(0, 2)), 2000 + Number(expiry.slice(2, 4))];
    const now = new Date();
    if (expiry.length >= 2 && (month < 1 || month > 12)) found.push(['invalid_expiry_month', true]);
    else if (expiry.length < 4) found.push(['incomplete_expiry', false]);
    else if (year < now.getFullYear()) found.push(['invalid_expiry_year_past', true]);
    else if (year === now.getFullYear() && month < now.getMonth() + 1) found.push(['invalid_expiry_month_past', true]);
    if (cvc.length < (brand === 'amex' ? 4 : 3)) found.push(['incomplete_cvc', false]);
    return { brand, found, error: found.find(([, final]) => final)?.[0] };
  }

  function input(name, label, placeholder, autocomplete, maxLength) {
    const el = document.createElement('input');
    Object.assign(el, { name, placeholder, autocomplete, maxLength, inputMode: 'numeric', type: 'text' });
    el.setAttribute('aria-label', label);
    el.spellcheck = false;
    Object.assign(el.style, {
      border: '0', outline: 'none', background: 'transparent', padding: '0', margin: '0',
      font: 'inherit', color: 'inherit', minWidth: '0',
    });
    return el;
  }

  function createCard(options = {}) {
    const listeners = { change: [], focus: [], blur: [], ready: [] };
    const emit = (type, event) => listeners[type].forEach((cb) => cb(event));
    const number = input('cardnumber', 'Credit or debit card number', 'Card number', 'cc-number', 23);
    const expiry = input('exp-date', 'Credit or debit card expiration date', 'MM / YY', 'cc-exp', 7);
    const cvc = input('cvc', 'Credit or debit card CVC/CVV', 'CVC', 'cc-csc', 4);
    // One line when there is room; on a phone the number gets its own line, the date and CVC the next.
    number.style.flex = '1 1 14em';
    expiry.style.flex = '0 0 4.5em';
    cvc.style.flex = '0 0 3em';
    const row = document.createElement('div');
    row.className = 'StandinCardElement';
    Object.assign(row.style, { display: 'flex', flexWrap: 'wrap', gap: '.4em 1em', alignItems: 'center' });
    row.append(number, expiry, cvc);
    const base = options.style?.base ?? {};
    for (const key of ['color', 'fontFamily', 'fontSize', 'lineHeight']) if (base[key]) row.style[key] = base[key];
    let host = null;

    const values = () => ({ number: digits(number.value), expiry: digits(expiry.value), cvc: digits(cvc.value) });
    function changed() {
      const state = problems(values());
      // As Stripe formats them: the number in groups of four, the expiry as "MM / YY".
      number.value = values().number.replace(/(\d{4})(?=\d)/g, '$1 ');
      const e = values().expiry;
      expiry.value = e.length > 2 ? `${e.slice(0, 2)} / ${e.slice(2)}` : e;
      const empty = !number.value && !expiry.value && !cvc.value;
      host?.classList.toggle('StripeElement--empty', empty);
      const complete = !state.found.length;
      host?.classList.toggle('StripeElement--invalid', Boolean(state.error));
      host?.classList.toggle('StripeElement--complete', complete);
      emit('change', {
        elementType: 'card', empty, complete, brand: state.brand,
        error: state.error ? validationError(state.error) : undefined, value: {},
      });
    }
    for (const el of [number, expiry, cvc]) {
      el.addEventListener('input', changed);
      el.addEventListener('focus', () => { host?.classList.add('StripeElement--focus'); emit('focus', { elementType: 'card' }); });
      el.addEventListener('blur', () => { host?.classList.remove('StripeElement--focus'); emit('blur', { elementType: 'card' }); });
    }

    return {
      _values: values,
      mount(target) {
        host = typeof target === 'string' ? document.querySelector(target) : target;
        if (!host) throw new Error(`Stripe stand-in: nothing matches ${target} to mount the card Element in`);
        host.classList.add('StripeElement', 'StripeElement--empty');
        host.replaceChildren(row);
        setTimeout(() => emit('ready', { elementType: 'card' }));
      },
      on(type, cb) {
        (listeners[type] ??= []).push(cb);
        return this;
      },
      off(type, cb) {
        listeners[type] = (listeners[type] ?? []).filter((f) => f !== cb);
        return this;
      },
      focus() {
        number.focus();
      },
      blur() {
        document.activeElement?.blur();
      },
      clear() {
        for (const el of [number, expiry, cvc]) el.value = '';
        changed();
      },
      unmount() {
        row.remove();
        host?.classList.remove('StripeElement', 'StripeElement--empty', 'StripeElement--focus',
          'StripeElement--invalid', 'StripeElement--complete');
        host = null;
      },
      destroy() {
        this.unmount();
        for (const type of Object.keys(listeners)) listeners[type] = [];
      },
    };
  }

  window.Stripe = function Stripe(key) {
    if (typeof key !== 'string' || !/^pk_(test|live)_/.test(key)) {
      throw new Error('Stripe stand-in: Stripe() needs a publishable key (pk_test_… or pk_live_…).');
    }
    return {
      elements() {
        return {
          create(type, options) {
            if (type !== 'card') throw new Error(`Stripe stand-in: only the 'card' Element, not '${type}'`);
            return createCard(options);
          },
        };
      },
      async createPaymentMethod({ type, card } = {}) {
        if (type !== 'card' || !card?._values) throw new Error('Stripe stand-in: createPaymentMethod({type: "card", card})');
        const held = card._values();
        const state = problems(held);
        if (state.found.length) return { error: validationError(state.found[0][0]) };
        const id = TEST_CARDS[held.number];
        if (!id) {
          // Stripe test mode refuses real card numbers.
          return { error: {
            type: 'card_error', code: 'card_declined', decline_code: 'test_mode_live_card',
            message: 'Your card was declined. Your request was in test mode, but used a non test (live) card. '
              + 'For a list of valid test cards, visit: https://stripe.com/docs/testing.',
          } };
        }
        return { paymentMethod: { id, object: 'payment_method', type: 'card', card: { brand: state.brand, last4: held.number.slice(-4) } } };
      },
    };
  };
  window.Stripe.version = 3;
})();
