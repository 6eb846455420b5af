// Confide's protocol client (docs/protocol.md), shared by the widget and the
// staff dashboard: the HTTP API and a WebSocket that reconnects by itself.
// What a conversation holds above them (messages, outbox, typing, read
// markers) is conversation.js. Plain ES module.

import { Action, Code, ConnState, Frame, SocketEvent } from './frames.js';

/** ApiError is an error answer of the HTTP API ({"error":{"code","message"}}). */
export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.conversationId = extra.conversationId || null;
    /** retryAfter, on rate_limited, is when to try again, in seconds (null: not said). */
    this.retryAfter = Number(extra.retryAfter) || null;
  }
}

/** newClientMessageId returns a fresh clientMessageId (letters, digits, '-'). */
export function newClientMessageId() {
  if (globalThis.crypto && crypto.randomUUID) return 'c-' + crypto.randomUUID();
  return 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
}

/**
 * Api calls the HTTP API as one signed-in person. getToken() returns the
 * current access token (a promise is fine); getToken({ fresh: true }) is
 * asked once after a 401, so a host page can refresh an expired token.
 */
export class Api {
  constructor({ apiUrl, getToken, fetchImpl }) {
    this.base = String(apiUrl).replace(/\/+$/, '');
    this.getToken = getToken;
    this.fetch = fetchImpl || globalThis.fetch.bind(globalThis);
  }

  async request(method, path, body, retried = false, fresh = false) {
    const token = await this.getToken(retried || fresh ? { fresh: true } : {});
    if (!token) throw new ApiError(401, Code.Unauthorized, 'Please sign in.');
    const init = { method, headers: { Authorization: 'Bearer ' + token }, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await this.fetch(this.base + path, init);
    } catch (err) {
      throw new ApiError(0, 'network', 'Cannot reach Confide. Check your connection.');
    }
    if (res.status === 401 && !retried) return this.request(method, path, body, true);
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (err) {
      data = null;
    }
    if (!res.ok) {
      const e = (data && data.error) || {};
      throw new ApiError(res.status, e.code || 'internal', e.message || 'Something went wrong.', {
        conversationId: data && data.conversationId,
        // The body's copy: a page of another origin cannot read the header.
        retryAfter: e.retryAfterSeconds || res.headers.get('Retry-After'),
      });
    }
    return data;
  }

  me() { return this.request('GET', '/me'); }
  /** ticket gets a one-time WebSocket ticket; { fresh: true } asks getToken for a new token first. */
  ticket({ fresh = false } = {}) { return this.request('POST', '/ws/ticket', undefined, false, fresh); }
  availability() { return this.request('GET', '/availability'); }
  widgetMessages() { return this.request('GET', '/widget/messages'); }
  stats() { return this.request('GET', '/stats'); }
  /** queue lists every active conversation in answer order: urgent, concern, then the rest (staff only). */
  queue() { return this.request('GET', '/queue'); }

  createConversation(retention) {
    return this.request('POST', '/conversations', retention ? { retention } : {});
  }
  listConversations({ status, cursor, limit } = {}) {
    return this.request('GET', '/conversations' + query({ status, cursor, limit }));
  }
  getConversation(id) { return this.request('GET', '/conversations/' + enc(id)); }
  messages(id, { limit, cursor, after } = {}) {
    return this.request('GET', '/conversations/' + enc(id) + '/messages' + query({ limit, cursor, after }));
  }
  sendMessage(id, clientMessageId, body) {
    return this.request('POST', '/conversations/' + enc(id) + '/messages', { clientMessageId, body });
  }
  editMessage(id, messageId, body) {
    return this.request('PATCH', '/conversations/' + enc(id) + '/messages/' + enc(messageId), { body });
  }
  deleteMessage(id, messageId) {
    return this.request('DELETE', '/conversations/' + enc(id) + '/messages/' + enc(messageId));
  }
  markRead(id, messageId) {
    return this.request('POST', '/conversations/' + enc(id) + '/read', { messageId });
  }
  setRetention(id, retention) {
    return this.request('PUT', '/conversations/' + enc(id) + '/retention', { retention });
  }
  claim(id) { return this.request('POST', '/conversations/' + enc(id) + '/claim'); }
  /** assign makes the member of staff to (their userId) the assignee (supervisors only). */
  assign(id, to) { return this.request('POST', '/conversations/' + enc(id) + '/assign', { to }); }
  /** setRisk sets a conversation's safeguarding level by hand, with one of the reason codes (staff who may read it). */
  setRisk(id, level, reason) { return this.request('PUT', '/conversations/' + enc(id) + '/risk', { level, reason }); }
  /** staff lists the staff directory (staff only): who may be assigned, and how colleagues are named. */
  staff() { return this.request('GET', '/staff'); }
  close(id) { return this.request('POST', '/conversations/' + enc(id) + '/close'); }
  deleteConversation(id) { return this.request('DELETE', '/conversations/' + enc(id)); }
  feedback(id, rating, comment) {
    const body = { rating };
    if (comment) body.comment = comment;
    return this.request('POST', '/conversations/' + enc(id) + '/feedback', body);
  }
  audit({ from, to, cursor, limit } = {}) {
    return this.request('GET', '/audit' + query({ from, to, cursor, limit }));
  }
}

function enc(s) { return encodeURIComponent(s); }

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

/**
 * backoffDelay is the wait before reconnect attempt n (0-based): exponential
 * from base to max with full jitter, so many clients dropped together do not
 * come back together.
 */
export function backoffDelay(n, base = 500, max = 30000, random = Math.random) {
  const ceiling = Math.min(max, base * 2 ** Math.min(n, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Socket is a WebSocket to Confide that reconnects by itself (backoff with
 * jitter, a fresh ticket each time). Events (SocketEvent and ConnState in
 * frames.js name them):
 *   'frame'  detail: a server frame ({type, ...})
 *   'state'  detail: 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'
 *   'open'   detail: { reconnect: boolean }: connected; after a reconnect,
 *            catch up (Conversation.catchUp in conversation.js)
 *   'refused' detail: { code }: the server will not take this connection
 *            (the conversation is gone or closed, or access ended)
 */
export class Socket extends EventTarget {
  constructor({ api, wsUrl, conversationId = null, pingEvery = 5 * 60 * 1000 }) {
    super();
    this.api = api;
    this.wsUrl = wsUrl;
    this.conversationId = conversationId;
    this.pingEvery = pingEvery;
    this.state = ConnState.Closed;
    this.attempt = 0;
    this.opened = false;
    this.ws = null;
    this.timer = null;
    this.pinger = null;
    this.freshToken = false;
    this.stopped = true;
    this.onOnline = () => { if (!this.stopped && this.state !== ConnState.Open) this.connectSoon(0); };
    // The browser knows it is offline before the socket does: say so at
    // once, and come back on 'online' (or the next retry).
    this.onOffline = () => {
      if (this.stopped) return;
      this.drop();
      this.retry();
    };
  }

  /** start connects (again) and keeps the connection up until stop(). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.listen('addEventListener');
    this.connect();
  }

  /** listen adds (or removes: 'removeEventListener') the browser's online and offline listeners. */
  listen(how) {
    if (!globalThis[how]) return;
    globalThis[how]('online', this.onOnline);
    globalThis[how]('offline', this.onOffline);
  }

  /** drop closes the WebSocket without a word to the listeners. */
  drop() {
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
    try { ws.close(1000, 'bye'); } catch (err) { /* already closed */ }
  }

  /** stop closes the connection for good (sign-out, quick exit, unload). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.listen('removeEventListener');
    this.drop();
    this.setState(ConnState.Closed);
  }

  /** send sends a client frame; false when the socket is not open. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  get isOpen() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.dispatchEvent(new CustomEvent(SocketEvent.State, { detail: s }));
  }

  connectSoon(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  retry() {
    if (this.stopped) return;
    const offline = globalThis.navigator && navigator.onLine === false;
    this.setState(offline ? ConnState.Offline : ConnState.Reconnecting);
    this.connectSoon(backoffDelay(this.attempt++));
  }

  async connect() {
    if (this.stopped) return;
    this.setState(this.opened ? ConnState.Reconnecting : ConnState.Connecting);
    let ticket;
    try {
      // After a reconnect frame (the token behind the connection expired)
      // the next ticket is asked for with a fresh token.
      ticket = (await this.api.ticket({ fresh: this.freshToken })).ticket;
      this.freshToken = false;
    } catch (err) {
      if (err.status === 401) return this.refuse(Code.Unauthorized);
      return this.retry();
    }
    if (this.stopped) return;
    const url = new URL(this.wsUrl);
    url.searchParams.set('ticket', ticket);
    if (this.conversationId) url.searchParams.set('conversationId', this.conversationId);
    const ws = new WebSocket(url.toString());
    this.ws = ws;
    let wasOpen = false;
    ws.onopen = () => {
      wasOpen = true;
      const reconnect = this.opened;
      this.opened = true;
      this.attempt = 0;
      this.setState(ConnState.Open);
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ action: Action.Ping }), this.pingEvery);
      this.dispatchEvent(new CustomEvent(SocketEvent.Open, { detail: { reconnect } }));
    };
    ws.onmessage = (ev) => {
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (err) {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      if (frame.type === Frame.Reconnect) {
        // The server closes this connection next; come back at once.
        this.freshToken = true;
        this.attempt = 0;
      }
      this.dispatchEvent(new CustomEvent(SocketEvent.Frame, { detail: frame }));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pinger);
      if (this.stopped) return;
      if (!wasOpen && this.attempt >= 2) {
        // Refused handshakes look the same as network errors to a browser;
        // ask the API whether the conversation can still be joined.
        return this.check();
      }
      this.retry();
    };
  }

  async check() {
    if (!this.conversationId) return this.retry();
    try {
      const { conversation } = await this.api.getConversation(this.conversationId);
      if (conversation.status === 'closed') return this.refuse(Code.Conflict);
    } catch (err) {
      if (err.status === 404 || err.status === 401) return this.refuse(err.code);
    }
    this.retry();
  }

  refuse(code) {
    this.stop();
    this.dispatchEvent(new CustomEvent(SocketEvent.Refused, { detail: { code } }));
  }
}
