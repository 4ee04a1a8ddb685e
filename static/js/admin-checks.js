// #/admin/background-checks (admins): documents waiting for a review, each with its instructor,
// when it was uploaded, a link to the document (a presigned GET, 5 min) and Approve / Reject (a
// reason is required to reject), the result shown in place.
import { api, ApiError, describeError } from './api.js';
import { h, placeholder, replace } from './dom.js';
import { megabytes } from './picture.js';
import { formatMoment, relativeTime } from './time.js';

export function mountAdminChecks(root, ctx) {
  let alive = true;
  const status = h('div', { class: 'banner', 'data-testid': 'checks-status', role: 'status', hidden: true });
  const body = h('div', {}, placeholder('loading', 'Loading documents…'));
  const refresh = h('button', { class: 'btn', 'data-testid': 'checks-refresh', onclick: () => load() }, 'Refresh');
  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Background checks'),
        h('p', { class: 'muted' }, 'Documents waiting for a review, oldest first. A document link works for 5 minutes: refresh for new ones.')),
      ctx.me.role === 'admin' ? refresh : null),
    status, body));

  if (ctx.me.role !== 'admin') {
    replace(body, placeholder('empty', 'Only admins review background checks.'));
    return () => {};
  }

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  const names = new Map(); // instructor id → full name (admins may read any profile)
  async function nameOf(id) {
    if (!names.has(id)) {
      names.set(id, api.get(`/api/instructors/${id}`).then((p) => p.full_name).catch(() => null));
    }
    return names.get(id);
  }

  async function load() {
    try {
      const documents = await api.get('/api/admin/background-checks', { status: 'pending_review' });
      const named = await Promise.all(documents.map(async (d) => ({ ...d, name: await nameOf(d.instructor_id) })));
      if (!alive) return;
      replace(body, named.length
        ? h('ul', { class: 'check-list', 'aria-label': 'Documents waiting for a review' }, named.map(row))
        : placeholder('empty', 'Nothing is waiting for a review.'));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  function row(d) {
    const who = d.name ? `${d.name} (instructor #${d.instructor_id})` : `Instructor #${d.instructor_id}`;
    const reasonId = `reject-reason-${d.document_id}`;
    const errorId = `reject-error-${d.document_id}`;
    const reason = h('textarea', { id: reasonId, rows: 2, maxlength: 500, 'data-testid': 'reject-reason', 'aria-describedby': errorId });
    const reasonError = h('span', { class: 'field-error', id: errorId, 'data-testid': 'reject-error' });
    const rejectForm = h('div', { class: 'reject-form', hidden: true },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Why is it rejected? The instructor is told.'), reason, reasonError),
      h('div', { class: 'review-actions' },
        h('button', { class: 'btn btn-danger', 'data-testid': 'reject-confirm', onclick: (e) => decide(false, e.currentTarget) }, 'Reject document'),
        h('button', { class: 'btn', onclick: () => { rejectForm.hidden = true; } }, 'Cancel')));
    const result = h('p', { class: 'check-result', 'data-testid': 'check-result', role: 'status' });
    const actions = h('div', { class: 'review-actions' },
      h('button', { class: 'btn btn-primary', 'data-testid': 'approve', 'aria-label': `Approve ${who}'s document`, onclick: (e) => decide(true, e.currentTarget) }, 'Approve'),
      h('button', { class: 'btn btn-danger', 'data-testid': 'reject', 'aria-label': `Reject ${who}'s document`, onclick: () => { rejectForm.hidden = false; reason.focus(); } }, 'Reject'));
    const item = h('li', { class: 'card check-row', 'data-testid': 'check-row', 'data-id': d.document_id, 'data-instructor': d.instructor_id },
      h('div', { class: 'check-who' },
        h('strong', {}, who),
        h('span', { class: 'muted small' }, 'Uploaded ',
          h('time', { datetime: d.uploaded_at, title: formatMoment(new Date(d.uploaded_at), ctx.me.timezone) }, relativeTime(d.uploaded_at)),
          ` · ${d.filename} · ${megabytes(d.size_bytes)}`)),
      d.view_url
        ? h('a', { class: 'btn', href: d.view_url, target: '_blank', rel: 'noopener', 'data-testid': 'check-view' }, 'View document', h('span', { class: 'sr-only' }, ` of ${who} (opens a new tab)`))
        : h('span', { class: 'muted small' }, 'Not stored yet'),
      actions, rejectForm, result);

    async function decide(approve, button) {
      const text = reason.value.trim();
      if (!approve && !text) {
        reasonError.textContent = 'Say why the document is rejected.';
        reason.focus();
        return;
      }
      button.disabled = true;
      reasonError.textContent = '';
      try {
        await api.post(`/api/admin/background-checks/${d.document_id}/decision`, approve ? { approve } : { approve, reason: text });
        if (!alive) return;
        actions.remove();
        rejectForm.remove();
        item.classList.add(approve ? 'is-approved' : 'is-rejected');
        result.textContent = approve ? `Approved: ${who} passes the background check.` : `Rejected: ${text}. ${d.name ?? 'The instructor'} is told.`;
      } catch (err) {
        if (!alive) return;
        button.disabled = false;
        const field = err instanceof ApiError ? err.fieldErrors().reason : null;
        if (field) reasonError.textContent = field;
        else if (err?.code === 'not_pending_review') showStatus(`${who}: ${err.message} (someone decided already).`, 'warn');
        else showStatus(`Couldn't record the decision: ${describeError(err)}`, 'error');
      }
    }
    return item;
  }

  load();
  return () => { alive = false; };
}
