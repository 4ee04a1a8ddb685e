// One reconnecting websocket for the whole page. Each channel remembers the last event id it saw,
// so a reconnect resubscribes with it and the server replays what was missed (or says resync).
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const PING_EVERY_MS = 25000;
const PONG_TIMEOUT_MS = 10000;

// Stream ids '<ms>-<seq>', compared part by part.
export function compareIds(a, b) {
  const [am, as] = String(a).split('-').map(Number);
  const [bm, bs] = String(b).split('-').map(Number);
  return am - bm || (as || 0) - (bs || 0);
}

export class LiveSocket {
  constructor() {
    this.token = null;
    this.ws = null;
    this.open = false;
    this.attempt = 0;
    this.channels = new Map(); // name → { lastId, state: 'pending'|'live'|'failed', listeners: Set }
    this.statusListeners = new Set();
    this.onUnauthorized = null;
    this.timers = {};
    window.addEventListener('online', () => this.#reconnectNow());
  }

  setToken(token) {
    if (token === this.token) return;
    this.token = token;
    this.#reconnectNow();
  }

  // handlers: { onSubscribed(msg, {resumed}), onEvent(msg), onResync(msg), onError(msg) }.
  // Returns the unsubscribe function.
  subscribe(channel, handlers) {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { lastId: null, state: 'pending', listeners: new Set() };
      this.channels.set(channel, entry);
      if (this.open) this.#sendSubscribe(channel, entry);
      else this.#ensureConnecting();
    }
    entry.listeners.add(handlers);
    this.#emitStatus();
    return () => {
      entry.listeners.delete(handlers);
      if (entry.listeners.size || this.channels.get(channel) !== entry) return;
      this.channels.delete(channel);
      if (this.open) this.#send({ op: 'unsubscribe', channel });
      this.#emitStatus();
    };
  }

  // 'live' once the socket is open and every channel is subscribed, else 'offline'.
  get status() {
    const entries = [...this.channels.values()];
    return this.open && entries.length && entries.every((e) => e.state === 'live') ? 'live' : 'offline';
  }

  onStatus(listener) {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  #emitStatus() {
    const status = this.status;
    for (const listener of this.statusListeners) listener(status);
  }

  #url() {
    const url = new URL('/ws', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token) url.searchParams.set('token', this.token);
    return url.toString();
  }

  #ensureConnecting() {
    if (!this.ws && !this.timers.reconnect) this.#connect();
  }

  #reconnectNow() {
    clearTimeout(this.timers.reconnect);
    this.timers.reconnect = null;
    this.attempt = 0;
    this.#drop();
    if (this.channels.size) this.#connect();
  }

  #connect() {
    this.timers.reconnect = null;
    let ws;
    try {
      ws = new WebSocket(this.#url());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.open = true;
      this.attempt = 0;
      for (const [channel, entry] of this.channels) this.#sendSubscribe(channel, entry);
      this.#startHeartbeat();
      this.#emitStatus();
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this.#handle(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.#drop();
      this.#scheduleReconnect();
    };
  }

  // Forget the current socket (without triggering its reconnect) and mark channels pending.
  #drop() {
    const ws = this.ws;
    this.ws = null;
    this.open = false;
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
    for (const entry of this.channels.values()) entry.state = 'pending';
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
    this.#emitStatus();
  }

  #scheduleReconnect() {
    if (!this.channels.size) return;
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    const delay = base / 2 + Math.random() * base / 2;
    this.timers.reconnect = setTimeout(() => this.#connect(), delay);
  }

  #startHeartbeat() {
    clearInterval(this.timers.ping);
    this.timers.ping = setInterval(() => {
      this.#send({ op: 'ping' });
      clearTimeout(this.timers.pong);
      this.timers.pong = setTimeout(() => this.ws?.close(), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  #send(frame) {
    if (this.ws && this.open) this.ws.send(JSON.stringify(frame));
  }

  #sendSubscribe(channel, entry) {
    entry.state = 'pending';
    entry.sentLastId = entry.lastId;
    this.#send({ op: 'subscribe', channel, last_id: entry.lastId });
  }

  #each(entry, method, ...args) {
    for (const handlers of [...entry.listeners]) {
      try {
        handlers[method]?.(...args);
      } catch (err) {
        console.error(`ws ${method} handler failed`, err);
      }
    }
  }

  #handle(msg) {
    if (msg.op === 'pong') {
      clearTimeout(this.timers.pong);
      return;
    }
    if (msg.op === 'error' && !msg.channel) {
      if (msg.code === 'unauthorized') this.onUnauthorized?.();
      return;
    }
    const entry = this.channels.get(msg.channel);
    if (!entry) return;
    if (msg.op === 'subscribed') {
      entry.state = 'live';
      // Subscribed for live events only: resume from the channel's newest id after a reconnect.
      if (entry.lastId == null) entry.lastId = msg.last_id ?? null;
      this.#emitStatus();
      this.#each(entry, 'onSubscribed', msg, { resumed: entry.sentLastId != null });
    } else if (msg.op === 'event') {
      // Frames sent before the server saw our subscribe belong to an older subscription.
      if (entry.state !== 'live') return;
      if (msg.id != null) {
        if (entry.lastId != null && compareIds(msg.id, entry.lastId) <= 0) return;
        entry.lastId = msg.id;
      }
      this.#each(entry, 'onEvent', msg);
    } else if (msg.op === 'resync') {
      entry.lastId = msg.last_id ?? null;
      this.#each(entry, 'onResync', msg);
    } else if (msg.op === 'error') {
      entry.state = 'failed';
      this.#emitStatus();
      this.#each(entry, 'onError', msg);
    }
  }
}
