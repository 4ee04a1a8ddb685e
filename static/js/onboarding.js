// #/onboarding (API.md "Instructor onboarding and profiles"): the checklist from profile to go live,
// each step's state in words and what to do next. Identity and payouts open the hosted page (the
// stand-in's or Stripe's); the checklist updates live when their webhook lands
// (`onboarding.step_done` on the notifications channel).
import { api, ApiError, describeError } from './api.js';
import { h, placeholder, replace } from './dom.js';
import { megabytes, putToStorage } from './picture.js';

export const STEP_TITLES = {
  profile: 'Profile',
  services: 'Services and prices',
  identity: 'Identity verification',
  background_check: 'Background check',
  payouts: 'Payouts',
};

const STATUS_WORDS = {
  complete: 'Done',
  incomplete: 'To do',
  not_started: 'Not started',
  pending: 'In progress',
  verified: 'Verified',
  failed: 'Failed',
  uploaded: 'Uploaded, not submitted',
  pending_review: 'Waiting for review',
  approved: 'Approved',
  rejected: 'Rejected',
  active: 'Active',
  restricted: 'Needs information',
};

const DOCUMENT_TYPES = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' };
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

const CONFLICTS = {
  background_check_pending_review: 'Your document is already waiting for a review.',
  background_check_approved: 'Your background check is already approved.',
  identity_verified: 'Your identity is already verified.',
};

export const missingInWords = (keys) => keys.map((k) => STEP_TITLES[k] ?? k).join(', ');

// The file's problem in words before anything is sent, or null.
export function documentProblem(file) {
  if (!DOCUMENT_TYPES[file.type]) return `${file.name} is not a PDF, JPEG or PNG: choose one of those.`;
  if (file.size > MAX_DOCUMENT_BYTES) return `${file.name} is too big (${megabytes(file.size)}): at most 10 MB.`;
  if (!file.size) return `${file.name} is empty.`;
  return null;
}

export function mountOnboarding(root, ctx) {
  let alive = true;
  let state = null;
  const status = h('div', { class: 'banner', 'data-testid': 'onboarding-status', role: 'status', hidden: true });
  const said = h('p', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'onboarding-said' });
  const body = h('div', {}, placeholder('loading', 'Loading your checklist…'));
  replace(root, h('section', { class: 'page page-narrow' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Get ready to teach'),
      h('p', { class: 'muted' }, 'Finish each step in order; once every one is done you can go live and students can book you.'))),
    status, said, body));

  if (ctx.me.role !== 'instructor') {
    replace(body, placeholder('empty', 'Only instructors have an onboarding checklist.'));
    return () => {};
  }

  const showStatus = (text, kind = 'info') => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  async function load() {
    try {
      const next = await api.get('/api/instructors/me/onboarding');
      if (!alive) return;
      // Say what became done since the last look (a webhook landing while the page is open).
      if (state) {
        const was = Object.fromEntries(state.steps.map((s) => [s.key, s.done]));
        const newly = next.steps.filter((s) => s.done && !was[s.key]).map((s) => `${STEP_TITLES[s.key]}: done.`);
        if (newly.length) said.textContent = newly.join(' ');
      }
      state = next;
      const navLink = document.querySelector('[data-testid="nav-onboarding"]');
      if (navLink) navLink.hidden = state.is_live; // the header's "Get started" goes once live
      render();
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  // Open a hosted page; a blocked pop-up still leaves the link on the page.
  async function openHosted(path, key, label) {
    showStatus('');
    try {
      const answer = await api.post(path, {});
      if (!alive) return;
      // 'noopener' makes window.open return null even when the tab opened: the link stays in the step.
      window.open(answer.url, '_blank', 'noopener');
      hosted[key] = answer.url;
      render();
      showStatus(`${label} opened in a new tab: finish there, and this checklist updates by itself. Nothing opened? Use the link in the step.`, 'info');
    } catch (err) {
      if (alive) showStatus(CONFLICTS[err?.code] ?? `Couldn't open ${label}: ${describeError(err)}`, 'error');
      load();
    }
  }
  const hosted = {};
  let uploadError = ''; // kept across the checklist's re-render after a refused upload

  function backgroundUpload(step) {
    const input = h('input', { type: 'file', id: 'document-file', class: 'file-input', accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png', 'data-testid': 'document-file' });
    const error = h('p', { class: 'field-error', 'data-testid': 'document-error', role: 'alert' }, uploadError);
    const chosen = h('span', { class: 'muted small', 'data-testid': 'document-chosen' }, 'No file chosen');
    const send = h('button', { class: 'btn btn-primary', 'data-testid': 'document-submit', disabled: true, onclick: () => submit() }, 'Upload and submit');
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      uploadError = '';
      error.textContent = file ? documentProblem(file) ?? '' : '';
      chosen.textContent = file ? `${file.name} (${megabytes(file.size)})` : 'No file chosen';
      send.disabled = !file || Boolean(error.textContent);
    });
    async function submit() {
      const file = input.files?.[0];
      if (!file) return;
      send.disabled = true;
      error.textContent = '';
      uploadError = '';
      try {
        const slot = await api.post('/api/instructors/me/background-check', {
          filename: file.name.slice(0, 255), content_type: file.type, size_bytes: file.size,
        });
        await putToStorage(slot, file);
        await api.post(`/api/instructors/me/background-check/${slot.document_id}/submit`, {});
        if (alive) showStatus('Your document is submitted: an admin will review it.', 'ok');
      } catch (err) {
        if (!alive) return;
        const fields = err instanceof ApiError ? Object.values(err.fieldErrors()) : [];
        uploadError = CONFLICTS[err?.code] ?? (fields.length ? `Refused: ${fields.join('; ')}. Choose another file.` : describeError(err));
        error.textContent = uploadError;
        send.disabled = false;
      }
      load();
    }
    return h('div', { class: 'step-upload' },
      h('label', { class: 'btn file-label', for: 'document-file' }, step.status === 'rejected' ? 'Choose a new document' : 'Choose a document'),
      input, chosen, send, error,
      h('p', { class: 'muted small' }, 'A PDF, JPEG or PNG, at most 10 MB. Only you and our reviewers can see it.'));
  }

  function actionFor(step) {
    if (step.done && step.key !== 'profile' && step.key !== 'services') return null;
    const link = (href, label, testid) => h('a', { class: 'btn btn-small', href, 'data-testid': testid }, label);
    const hostedLink = (key, label) => (hosted[key]
      ? h('a', { href: hosted[key], target: '_blank', rel: 'noopener', class: 'small', 'data-testid': `${key}-link` }, label)
      : null);
    switch (step.key) {
      case 'profile':
        return link('#/profile', step.done ? 'Edit your profile' : 'Write your profile', 'step-profile-action');
      case 'services':
        return link('#/profile', step.done ? 'Edit your services' : 'Choose your services', 'step-services-action');
      case 'identity': {
        const label = { failed: 'Try again', pending: 'Continue verification' }[step.status] ?? 'Verify your identity';
        return [h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'identity-start', onclick: () => openHosted('/api/instructors/me/identity', 'identity', 'The verification page') }, label),
          hostedLink('identity', 'Open the verification page')];
      }
      case 'background_check':
        return step.status === 'pending_review' ? null : backgroundUpload(step);
      case 'payouts': {
        const label = step.status === 'not_started' ? 'Set up payouts' : 'Continue on Stripe';
        return [h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'payouts-start', onclick: () => openHosted('/api/instructors/me/payouts-account', 'payouts', 'Stripe') }, label),
          hostedLink('payouts', 'Open the payouts page')];
      }
      default:
        return null;
    }
  }

  function stepView(step, index) {
    return h('li', { class: `step${step.done ? ' is-done' : ''}`, 'data-testid': 'step', 'data-step': step.key, 'data-status': step.status },
      h('span', { class: 'step-mark', 'aria-hidden': 'true' }, step.done ? '✓' : String(index + 1)),
      h('div', { class: 'step-body' },
        h('div', { class: 'step-head' },
          h('h2', { class: 'step-title' }, STEP_TITLES[step.key] ?? step.key),
          h('span', { class: `pill step-state${step.done ? ' status-confirmed' : ''}`, 'data-testid': 'step-state' }, STATUS_WORDS[step.status] ?? step.status)),
        h('p', { class: 'step-detail', 'data-testid': 'step-detail' }, step.detail),
        h('div', { class: 'step-actions' }, actionFor(step))));
  }

  function liveStep() {
    const missing = state.steps.filter((s) => !s.done).map((s) => s.key);
    const action = state.is_live
      ? h('button', { class: 'btn btn-small', 'data-testid': 'go-offline', onclick: (e) => setLive(false, e.currentTarget) }, 'Go offline')
      : h('button', { class: 'btn btn-primary', 'data-testid': 'go-live', disabled: !state.can_go_live, 'aria-describedby': 'go-live-detail', onclick: (e) => setLive(true, e.currentTarget) }, 'Go live');
    const detail = state.is_live
      ? 'You are live: students can find and book you. Going offline stops new bookings; booked lessons stay.'
      : state.can_go_live ? 'Every step is done: go live to be found and booked.' : `Finish first: ${missingInWords(missing)}.`;
    return h('li', { class: `step step-live${state.is_live ? ' is-done' : ''}`, 'data-testid': 'step', 'data-step': 'live' },
      h('span', { class: 'step-mark', 'aria-hidden': 'true' }, state.is_live ? '✓' : String(state.steps.length + 1)),
      h('div', { class: 'step-body' },
        h('div', { class: 'step-head' }, h('h2', { class: 'step-title' }, 'Go live'),
          h('span', { class: `pill step-state${state.is_live ? ' status-confirmed' : ''}`, 'data-testid': 'live-state' }, state.is_live ? 'Live' : 'Not live')),
        h('p', { class: 'step-detail', id: 'go-live-detail', 'data-testid': 'live-detail' }, detail),
        h('div', { class: 'step-actions' }, action)));
  }

  async function setLive(live, button) {
    button.disabled = true;
    try {
      if (live) await api.post('/api/instructors/me/live', {});
      else await api.del('/api/instructors/me/live');
      if (alive) showStatus(live ? 'You are live: students can now find and book you.' : 'You are offline: nobody can book you until you go live again.', live ? 'ok' : 'info');
    } catch (err) {
      if (!alive) return;
      const missing = err?.code === 'onboarding_incomplete' ? err.body?.missing ?? err.body?.extra?.missing : null;
      showStatus(missing ? `You can't go live yet. Still missing: ${missingInWords(missing)}.` : `Couldn't change it: ${describeError(err)}`, 'warn');
    }
    load();
  }

  function render() {
    const done = state.steps.filter((s) => s.done).length;
    replace(body,
      h('p', { class: 'checklist-progress', 'data-testid': 'onboarding-progress' },
        state.is_live ? 'You are live.' : `${done} of ${state.steps.length} steps done.`),
      h('ol', { class: 'checklist', 'aria-label': 'Onboarding steps' }, state.steps.map(stepView), liveStep()));
  }

  // A step done elsewhere (a webhook, the admin's decision) arrives as a notification.
  const unsubscribe = ctx.socket.subscribe(`notifications:${ctx.me.id}`, {
    onEvent: (msg) => { if (msg.type === 'notification.created' && String(msg.data?.type ?? '').startsWith('onboarding.')) load(); },
    onResync: () => load(),
  });
  // Coming back from the hosted page's tab: look again (the webhook may already have landed).
  const onFocus = () => { if (state) load(); };
  window.addEventListener('focus', onFocus);
  load();
  return () => {
    alive = false;
    unsubscribe();
    window.removeEventListener('focus', onFocus);
  };
}
