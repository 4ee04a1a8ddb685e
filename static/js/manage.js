// The instructor's calendar settings (#/settings: minimum notice, buffer, checkout hold) and
// collaborators (#/collaborators: who else may edit the calendar; add by email, remove).
import { api, describeError } from './api.js';
import { h, placeholder, replace } from './dom.js';

const SETTINGS = [
  ['min_notice_minutes', 'Minimum notice', 'How long before a lesson students can still book it.', 0, 14 * 1440],
  ['buffer_minutes', 'Buffer between lessons', 'Kept free before and after every lesson.', 0, 240],
  ['hold_minutes', 'Checkout hold', 'How long a slot stays held for a student while they check out.', 1, 60],
];

function instructorOnly(root, me) {
  if (me.role === 'instructor') return false;
  replace(root, h('section', { class: 'page' }, placeholder('empty', 'Only instructors have calendar settings and collaborators.')));
  return true;
}

function pageHead(title, intro) {
  return h('div', { class: 'page-head' },
    h('div', {}, h('a', { href: '#/calendar', class: 'back-link' }, '‹ Back to the calendar'), h('h1', {}, title),
      h('p', { class: 'muted' }, intro)));
}

export function mountSettings(root, ctx) {
  if (instructorOnly(root, ctx.me)) return () => {};
  let alive = true;
  const status = h('p', { class: 'save-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'settings-status' });
  const inputs = Object.fromEntries(SETTINGS.map(([key, , , min, max]) => [key,
    h('input', { type: 'number', id: `setting-${key}`, name: key, min, max, step: 1, required: true, inputmode: 'numeric', 'data-testid': `setting-${key}`, 'aria-describedby': `hint-${key} error-${key}` })]));
  const errors = Object.fromEntries(SETTINGS.map(([key]) => [key, h('span', { class: 'field-error', id: `error-${key}`, 'aria-live': 'polite' })]));
  const button = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-save' }, 'Save settings');
  const form = h('form', { class: 'card settings-form', novalidate: true, onsubmit: save },
    SETTINGS.map(([key, label, hint, min, max]) => h('div', { class: 'field' },
      h('label', { class: 'field-label', for: `setting-${key}` }, `${label} (minutes)`),
      inputs[key],
      h('span', { class: 'field-hint', id: `hint-${key}` }, `${hint} ${min}–${max} minutes.`),
      errors[key])),
    h('div', { class: 'form-actions' }, button, status));
  const body = h('div', {}, placeholder('loading', 'Loading settings…'));
  replace(root, h('section', { class: 'page page-narrow' },
    pageHead('Booking settings', 'These apply to every week of your calendar and to the times students see.'), body));

  api.get('/api/instructors/me/availability/settings').then((data) => {
    if (!alive) return;
    for (const [key, input] of Object.entries(inputs)) input.value = String(data[key]);
    replace(body, form);
  }).catch((err) => alive && replace(body, placeholder('error', describeError(err))));

  async function save(event) {
    event.preventDefault();
    const data = {};
    let invalid = null;
    for (const [key, label, , min, max] of SETTINGS) {
      const value = Number(inputs[key].value);
      const bad = inputs[key].value === '' || !Number.isInteger(value) || value < min || value > max;
      errors[key].textContent = bad ? `${label} must be a whole number from ${min} to ${max}.` : '';
      inputs[key].setAttribute('aria-invalid', String(bad));
      if (bad) invalid ??= inputs[key];
      data[key] = value;
    }
    if (invalid) {
      invalid.focus();
      return;
    }
    button.disabled = true;
    status.textContent = 'Saving…';
    status.className = 'save-status is-info';
    try {
      const saved = await api.put('/api/instructors/me/availability/settings', data);
      if (!alive) return;
      for (const [key, input] of Object.entries(inputs)) input.value = String(saved[key]);
      status.textContent = 'Settings saved';
      status.className = 'save-status is-ok';
    } catch (err) {
      if (!alive) return;
      const fields = err.fieldErrors?.() ?? {};
      for (const [key, message] of Object.entries(fields)) if (errors[key]) errors[key].textContent = message;
      status.textContent = `Not saved: ${describeError(err)}`;
      status.className = 'save-status is-error';
    } finally {
      if (alive) button.disabled = false;
    }
  }
  return () => { alive = false; };
}

export function mountCollaborators(root, ctx) {
  const { me } = ctx;
  if (instructorOnly(root, me)) return () => {};
  let alive = true;
  const base = `/api/instructors/${me.id}/collaborators`;
  const listBox = h('div', {}, placeholder('loading', 'Loading collaborators…'));
  const status = h('p', { class: 'save-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'collaborators-status' });
  const email = h('input', { type: 'email', id: 'collaborator-email', name: 'email', autocomplete: 'off', required: true, 'data-testid': 'collaborator-email', 'aria-describedby': 'collaborator-error' });
  const error = h('span', { class: 'field-error', id: 'collaborator-error', role: 'alert', 'data-testid': 'collaborator-error' });
  const addButton = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'collaborator-add' }, 'Add');
  const form = h('form', { class: 'card collaborator-form', novalidate: true, onsubmit: add },
    h('label', { class: 'field-label', for: 'collaborator-email' }, 'Add a collaborator by email'),
    h('div', { class: 'inline-form' }, email, addButton),
    h('span', { class: 'field-hint' }, 'They need an InstaInstru account. They can then edit your weeks, live with you; they cannot change these settings.'),
    error);
  replace(root, h('section', { class: 'page page-narrow' },
    pageHead('Collaborators', 'People who may edit your availability calendar, such as a studio manager.'),
    form, status, h('h2', { class: 'section-title' }, 'Who can edit'), listBox));

  function draw(people) {
    replace(listBox, people.length
      ? h('ul', { class: 'people-list', 'data-testid': 'collaborator-list' }, people.map((p) => h('li', { class: 'card person', 'data-testid': 'collaborator' },
        h('div', { class: 'person-main' }, h('span', { class: 'person-name' }, p.full_name), h('span', { class: 'muted small' }, p.email)),
        h('button', {
          type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'collaborator-remove', 'aria-label': `Remove ${p.full_name}`,
          onclick: (event) => remove(p, event.currentTarget),
        }, 'Remove'))))
      : placeholder('empty', 'Nobody else edits your calendar yet.'));
  }

  async function load() {
    try {
      const people = await api.get(base);
      if (alive) draw(people);
    } catch (err) {
      if (alive) replace(listBox, placeholder('error', describeError(err)));
    }
  }

  async function add(event) {
    event.preventDefault();
    const value = email.value.trim();
    error.textContent = '';
    if (!value || !email.checkValidity()) {
      error.textContent = 'Enter the email address of their InstaInstru account.';
      email.focus();
      return;
    }
    addButton.disabled = true;
    try {
      const person = await api.post(base, { email: value });
      if (!alive) return;
      email.value = '';
      status.textContent = `${person.full_name} can now edit your calendar.`;
      status.className = 'save-status is-ok';
      await load();
    } catch (err) {
      if (!alive) return;
      error.textContent = err.fieldErrors?.().email ?? describeError(err);
      email.focus();
    } finally {
      if (alive) addButton.disabled = false;
    }
  }

  async function remove(person, button) {
    if (!window.confirm(`Remove ${person.full_name}? They lose access to your calendar at once.`)) return;
    button.disabled = true;
    try {
      await api.del(`${base}/${person.user_id}`);
      if (!alive) return;
      status.textContent = `${person.full_name} can no longer edit your calendar.`;
      status.className = 'save-status is-ok';
      await load();
      email.focus();
    } catch (err) {
      if (!alive) return;
      button.disabled = false;
      status.textContent = `Not removed: ${describeError(err)}`;
      status.className = 'save-status is-error';
    }
  }

  load();
  return () => { alive = false; };
}
