// Profile pictures (API.md "Media"): a person's picture or their initials in a circle, and the
// upload with a square crop: presigned PUT straight to storage, finalize with the crop, then
// "processing" until `picture.ready` / `picture.failed` arrives live on the notifications channel.
import { api, ApiError, describeError } from './api.js';
import { restoreSession, session } from './auth.js';
import { cropper } from './crop.js';
import { h, initials, replace } from './dom.js';

const TYPES = { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP' };
const MAX_BYTES = 10 * 1024 * 1024;
// "512 KB", "11.0 MB": a file's size in words.
export const megabytes = (bytes) => (bytes < 1024 * 1024
  ? `${Math.max(1, Math.round(bytes / 1024))} KB`
  : `${(bytes / (1024 * 1024)).toFixed(1)} MB`);

// `person`: { full_name, picture }. size: 'sm' (32 px), 'md' (48 px) or 'lg' (120 px).
export function avatar(person, size = 'md') {
  const url = person?.picture?.urls?.[size === 'lg' ? '400' : '200'];
  if (url) {
    return h('img', {
      class: `avatar avatar-${size}`, src: url, alt: size === 'lg' ? `Picture of ${person.full_name}` : '',
      'data-testid': 'avatar-picture', 'data-version': person.picture.version,
    });
  }
  return h('span', {
    class: `avatar avatar-${size} avatar-initials`, 'data-testid': 'avatar-initials',
    role: size === 'lg' ? 'img' : null, 'aria-label': size === 'lg' ? `${person?.full_name ?? 'No one'} has no picture yet` : null,
    'aria-hidden': size === 'lg' ? null : 'true',
  }, initials(person?.full_name));
}

// A small mark for lists (lessons): the picture, or initials drawn by CSS (no text is added to the row).
export function personMark(person) {
  const url = person?.picture?.urls?.['200'];
  if (url) return h('img', { class: 'avatar avatar-xs', src: url, alt: '', 'data-testid': 'avatar-picture' });
  return h('span', { class: 'avatar avatar-xs avatar-initials', 'aria-hidden': 'true', 'data-testid': 'avatar-initials', 'data-initials': initials(person?.full_name) });
}

// A 429 in words: one picture a minute, and how long to wait.
export function uploadLimitInWords(seconds) {
  const wait = seconds ? ` Try again in ${seconds} s.` : ' Try again in a minute.';
  return `You can upload one picture a minute.${wait}`;
}

// The file's problem in words before anything is sent, or null.
export function pictureFileProblem(file) {
  if (!TYPES[file.type]) return `${file.name} is not a JPEG, PNG or WebP picture: choose one of those.`;
  if (file.size > MAX_BYTES) return `${file.name} is too big (${megabytes(file.size)}): a picture can be at most 10 MB.`;
  if (!file.size) return `${file.name} is empty.`;
  return null;
}

function loadImage(file) {
  // A data: URL, not blob: (the Content-Security-Policy allows img-src data:).
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error('The file could not be read.'));
    reader.onload = () => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`${file.name} could not be shown as a picture: choose another.`));
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  });
}

// The PUT straight to storage, with exactly the headers the presigned URL was signed for.
export async function putToStorage(upload, file) {
  let res;
  try {
    res = await fetch(upload.upload_url, { method: 'PUT', headers: upload.headers ?? {}, body: file });
  } catch {
    throw new Error("Couldn't reach the storage server. Check your connection and try again.");
  }
  if (!res.ok) throw new Error(`The storage server refused the upload (${res.status}). Try again.`);
}

// The picture editor: current picture, choose a file, crop, upload. `onReady(me)` after a new one.
export function mountPictureEditor(container, ctx, { onReady = () => {} } = {}) {
  let alive = true;
  let file = null;
  let crop = null;
  let waiting = false;
  const current = h('div', { class: 'picture-current', 'data-testid': 'picture-current' });
  const status = h('p', { class: 'picture-status', 'data-testid': 'picture-status', role: 'status' });
  const input = h('input', {
    type: 'file', id: 'picture-file', class: 'file-input', accept: Object.keys(TYPES).join(','),
    'data-testid': 'picture-file', onchange: () => choose(input.files?.[0]),
  });
  const stage = h('div', { class: 'picture-crop' });
  const upload = h('button', { class: 'btn btn-primary', 'data-testid': 'picture-upload', disabled: true, onclick: () => send() }, 'Upload picture');
  replace(container, h('div', { class: 'picture-editor' },
    current,
    h('div', { class: 'picture-controls' },
      h('label', { class: 'btn file-label', for: 'picture-file' }, 'Choose a picture'), input,
      h('p', { class: 'muted small' }, 'A JPEG, PNG or WebP up to 10 MB.'),
      stage, upload, status)));

  const say = (text, kind = '') => {
    status.textContent = text;
    status.className = `picture-status${kind ? ` is-${kind}` : ''}`;
  };
  const showCurrent = () => replace(current, avatar(session.me, 'lg'));

  async function choose(chosen) {
    file = null;
    upload.disabled = true;
    replace(stage);
    if (!chosen) return;
    const problem = pictureFileProblem(chosen);
    if (problem) {
      say(problem, 'error');
      return;
    }
    try {
      const img = await loadImage(chosen);
      if (!alive) return;
      const c = cropper(img, { onChange: (value) => { crop = value; } });
      replace(stage, c.element);
      file = chosen;
      upload.disabled = waiting;
      say('');
    } catch (err) {
      say(err.message, 'error');
    }
  }

  async function send() {
    if (!file) return;
    upload.disabled = true;
    say('Uploading…');
    try {
      const slot = await api.post('/api/me/picture', { content_type: file.type, size_bytes: file.size });
      await putToStorage(slot, file);
      waiting = true;
      await api.post(`/api/me/picture/${slot.upload_id}/finalize`, crop ? { crop } : {});
      if (!alive) return;
      say('Processing your picture…', 'busy');
      replace(stage);
      file = null;
      input.value = '';
    } catch (err) {
      waiting = false;
      if (!alive) return;
      if (err instanceof ApiError && err.status === 429) say(uploadLimitInWords(err.retryAfter), 'error');
      else say(`Couldn't upload the picture: ${describeError(err)}`, 'error');
      upload.disabled = !file;
    }
  }

  async function finished(item) {
    if (item.type === 'picture.ready') {
      waiting = false;
      await restoreSession(); // the new picture in /api/me, and the header redrawn with it
      if (!alive) return;
      showCurrent();
      say('Your new picture is up.', 'ok');
      onReady(session.me);
    } else if (item.type === 'picture.failed') {
      waiting = false;
      say(`Your picture could not be used: ${item.body || 'try another file.'}`, 'error');
    }
  }

  const unsubscribe = ctx.socket.subscribe(`notifications:${ctx.me.id}`, {
    onEvent: (msg) => { if (alive && msg.type === 'notification.created' && msg.data) finished(msg.data); },
  });
  showCurrent();
  return () => {
    alive = false;
    unsubscribe();
  };
}

// #/account: anyone's own picture (students reach it from their name in the header).
export function mountAccount(root, ctx) {
  const slot = h('div', {});
  replace(root, h('section', { class: 'page page-narrow' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Your account'),
      h('p', { class: 'muted' }, `${ctx.me.full_name} · ${ctx.me.email}`))),
    h('section', { class: 'card form-card', 'aria-labelledby': 'picture-heading' },
      h('h2', { id: 'picture-heading' }, 'Profile picture'), slot)));
  return mountPictureEditor(slot, ctx);
}
