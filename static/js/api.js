// fetch wrapper: JSON in and out, the bearer token, and API errors as values the UI can show.
const TOKEN_KEY = 'instainstru.token';

let token = localStorage.getItem(TOKEN_KEY);
let onUnauthorized = () => {};

export function getToken() {
  return token;
}

export function setToken(value) {
  token = value || null;
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

// Called when a request that carried a token gets 401 (expired or revoked session).
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

const FALLBACK_MESSAGES = {
  0: "Can't reach the server. Check your connection and try again.",
  401: 'Please log in.',
  403: "You don't have access to this.",
  404: 'Not found.',
  409: 'This conflicts with a recent change.',
  429: 'Too many requests. Please wait a moment.',
};

export class ApiError extends Error {
  constructor(status, body, headers) {
    const data = body && typeof body === 'object' ? body : {};
    const detail = typeof data.detail === 'string' ? data.detail : null;
    super(detail || FALLBACK_MESSAGES[status] || `Something went wrong (${status}).`);
    this.status = status;
    this.code = data.code ?? null;
    this.body = data;
    this.extra = Array.isArray(data.extra) ? data.extra : [];
    this.retryAfter = parseRetryAfter(headers?.get('Retry-After'));
  }

  // { field: message } from `extra: [{key, message}]`; keys like 'body.email' count as 'email'.
  fieldErrors() {
    const out = {};
    for (const item of this.extra) {
      if (item && item.key) out[String(item.key).split('.').pop()] = item.message || 'Invalid value';
    }
    return out;
  }
}

function parseRetryAfter(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

// A 429 in words, with the wait the server asked for (Retry-After), never a bare "Too Many Requests".
export function tooManyRequests(seconds) {
  return seconds == null || seconds <= 0
    ? 'Too many requests. Please try again in a moment.'
    : `Too many requests. Please try again in ${seconds} s.`;
}

// One line for a banner: the detail plus any field messages.
export function describeError(err) {
  if (!(err instanceof ApiError)) return err?.message || 'Something went wrong.';
  if (err.status === 429) return tooManyRequests(err.retryAfter);
  const fields = err.extra.map((e) => (e.key ? `${e.key}: ${e.message}` : e.message)).filter(Boolean);
  return fields.length ? `${err.message} (${fields.join('; ')})` : err.message;
}

// Resolves to { status, data, headers }; a 304 resolves with data null; other non-2xx throw ApiError.
export async function request(method, path, { body, headers = {}, query } = {}) {
  const params = query
    ? new URLSearchParams(Object.entries(query).filter(([, v]) => v != null && v !== ''))
    : null;
  const url = params && [...params].length ? `${path}?${params}` : path;
  const sentToken = token;
  const allHeaders = { Accept: 'application/json', ...headers };
  if (body !== undefined) allHeaders['Content-Type'] = 'application/json';
  if (sentToken) allHeaders.Authorization = `Bearer ${sentToken}`;

  let res;
  try {
    res = await fetch(url, {
      method,
      headers: allHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, null, null);
  }
  if (res.status === 304) return { status: 304, data: null, headers: res.headers };
  const data = await readJson(res);
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers);
    if (res.status === 401 && sentToken && sentToken === token && !path.startsWith('/api/auth/')) {
      onUnauthorized(err);
    }
    throw err;
  }
  return { status: res.status, data, headers: res.headers };
}

async function readJson(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

export const api = {
  get: (path, query) => request('GET', path, { query }).then((r) => r.data),
  post: (path, body, headers) => request('POST', path, { body, headers }).then((r) => r.data),
  put: (path, body, headers) => request('PUT', path, { body, headers }).then((r) => r.data),
  del: (path) => request('DELETE', path).then((r) => r.data),
};
