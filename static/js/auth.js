// The session (token + current user) and the log-in / registration page.
import { api, ApiError, describeError, getToken, setToken } from './api.js';
import { h, replace } from './dom.js';
import { allTimeZones, browserTimeZone } from './time.js';

const listeners = new Set();
export const session = { me: null };

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setMe(me) {
  session.me = me;
  for (const listener of listeners) listener(me);
}

export function homeRoute(me) {
  // A collaborator (e.g. a studio manager) starts at the calendars it manages.
  return me?.role === 'instructor' || me?.manages?.length ? '#/calendar' : '#/instructors';
}

export async function restoreSession() {
  if (!getToken()) return null;
  try {
    setMe(await api.get('/api/me'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) clearSession();
  }
  return session.me;
}

export async function logIn(email, password) {
  const data = await api.post('/api/auth/login', { email, password });
  setToken(data.token);
  setMe(data.user?.id != null && data.user?.timezone ? data.user : await api.get('/api/me'));
  return session.me;
}

export async function logOut() {
  // request() reads the token synchronously, so the session can be cleared before the answer.
  const revoked = api.post('/api/auth/logout').catch(() => {});
  clearSession();
  await revoked;
}

export function clearSession() {
  setToken(null);
  if (session.me) setMe(null);
}

// ---- page -------------------------------------------------------------------------------------

function field(label, input, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label' }, label),
    input,
    hint ? h('span', { class: 'field-hint' }, hint) : null,
    h('span', {
      class: 'field-error', 'data-field-error': input.name, 'aria-live': 'polite',
      'data-testid': `${input.dataset.testid}-error`, // e.g. register-email-error
    }));
}

function timezoneSelect() {
  const current = browserTimeZone();
  return h('select', { name: 'timezone', 'data-testid': 'register-timezone', value: current },
    allTimeZones().map((tz) => h('option', { value: tz }, tz.replaceAll('_', ' '))));
}

export function mountLogin(root, ctx) {
  let countdown = null;
  const banner = h('div', { class: 'banner banner-error', 'data-testid': 'form-error', role: 'alert', hidden: true });

  const showBanner = (text) => {
    banner.textContent = text;
    banner.hidden = !text;
  };

  const showError = (form, err) => {
    clearInterval(countdown);
    if (err instanceof ApiError && err.status === 429 && err.retryAfter != null) {
      let left = err.retryAfter;
      showBanner(`Too many attempts, retry in ${left} s`);
      countdown = setInterval(() => {
        left -= 1;
        if (left <= 0) {
          clearInterval(countdown);
          showBanner('');
        } else showBanner(`Too many attempts, retry in ${left} s`);
      }, 1000);
      return;
    }
    const fields = err instanceof ApiError ? err.fieldErrors() : {};
    const unplaced = [];
    for (const [key, message] of Object.entries(fields)) {
      const slot = form.querySelector(`[data-field-error="${CSS.escape(key)}"]`);
      if (slot) {
        slot.textContent = message;
        slot.closest('.field').classList.add('has-error');
      } else unplaced.push(`${key}: ${message}`);
    }
    if (!Object.keys(fields).length) showBanner(describeError(err));
    else if (unplaced.length) showBanner(`${err.message} (${unplaced.join('; ')})`);
  };

  const resetErrors = (form) => {
    clearInterval(countdown);
    showBanner('');
    for (const slot of form.querySelectorAll('[data-field-error]')) slot.textContent = '';
    for (const f of form.querySelectorAll('.field.has-error')) f.classList.remove('has-error');
  };

  const submitWith = (form, button, busyLabel, action) => async (event) => {
    event.preventDefault();
    resetErrors(form);
    const label = button.textContent;
    button.disabled = true;
    button.textContent = busyLabel;
    try {
      const me = await action(Object.fromEntries(new FormData(form)));
      ctx.navigate(ctx.takeNextRoute() || homeRoute(me));
    } catch (err) {
      showError(form, err);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  };

  const loginButton = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'login-submit' }, 'Log in');
  const loginForm = h('form', { class: 'card auth-card', novalidate: true },
    h('h2', {}, 'Log in'),
    field('Email', h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true, 'data-testid': 'login-email' })),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password' })),
    loginButton);
  loginForm.addEventListener('submit', submitWith(loginForm, loginButton, 'Logging in…',
    ({ email, password }) => logIn(email.trim(), password)));

  const registerButton = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-testid': 'register-submit' }, 'Create account');
  const registerForm = h('form', { class: 'card auth-card', novalidate: true },
    h('h2', {}, 'New here? Create an account'),
    field('Full name', h('input', { name: 'full_name', autocomplete: 'name', required: true, 'data-testid': 'register-name' })),
    field('Email', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, 'data-testid': 'register-email' })),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'register-password' })),
    field('I want to', h('select', { name: 'role', 'data-testid': 'register-role' },
      h('option', { value: 'student' }, 'Take lessons (student)'),
      h('option', { value: 'instructor' }, 'Teach lessons (instructor)'))),
    field('Timezone', timezoneSelect(), 'Your calendar and lesson times are shown in this timezone.'),
    registerButton);
  registerForm.addEventListener('submit', submitWith(registerForm, registerButton, 'Creating account…',
    async (values) => {
      const body = { ...values, email: values.email.trim(), full_name: values.full_name.trim() };
      await api.post('/api/auth/register', body);
      return logIn(body.email, body.password);
    }));

  const notice = ctx.takeNotice();
  replace(root,
    h('section', { class: 'auth-page' },
      h('div', { class: 'auth-intro' },
        h('h1', {}, 'Private lessons, live calendars'),
        h('p', { class: 'muted' }, 'Book music, language, fitness and art lessons with instructors near you — see open times update as they happen.')),
      notice ? h('div', { class: 'banner banner-info' }, notice) : null,
      banner,
      h('div', { class: 'auth-forms' }, loginForm, registerForm)));
  return () => clearInterval(countdown);
}
