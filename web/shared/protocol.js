// Confide protocol client (PROTOCOL.md), shared by the widget and the staff
// dashboard: the HTTP API, a WebSocket that reconnects by itself, a message
// timeline that never shows a message twice, and an outbox that sends what
// was typed offline exactly once. Plain ES module, no dependencies.

/** ApiError is an error answer of the HTTP API ({"error":{"code","message"}}). */
export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.conversationId = extra.conversationId || null;
    this.retryAfter = extra.retryAfter || null;
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
    if (!token) throw new ApiError(401, 'unauthorized', 'Please sign in.');
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
        retryAfter: res.headers.get('Retry-After'),
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
 * jitter, a fresh ticket each time). Events:
 *   'frame'  detail: a server frame ({type, ...})
 *   'state'  detail: 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'
 *   'open'   detail: { reconnect: boolean }: connected; after a reconnect,
 *            fetch what was missed (see Conversation.backfill)
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
    this.state = 'closed';
    this.attempt = 0;
    this.opened = false;
    this.ws = null;
    this.timer = null;
    this.pinger = null;
    this.freshToken = false;
    this.stopped = true;
    this.onOnline = () => { if (!this.stopped && this.state !== 'open') this.connectSoon(0); };
  }

  /** start connects (again) and keeps the connection up until stop(). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener && globalThis.addEventListener('online', this.onOnline);
    this.connect();
  }

  /** stop closes the connection for good (sign-out, quick exit, unload). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    globalThis.removeEventListener && globalThis.removeEventListener('online', this.onOnline);
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = this.ws.onerror = this.ws.onopen = null;
      try { this.ws.close(1000, 'bye'); } catch (err) { /* already closed */ }
      this.ws = null;
    }
    this.setState('closed');
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
    this.dispatchEvent(new CustomEvent('state', { detail: s }));
  }

  connectSoon(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  retry() {
    if (this.stopped) return;
    const offline = globalThis.navigator && navigator.onLine === false;
    this.setState(offline ? 'offline' : 'reconnecting');
    this.connectSoon(backoffDelay(this.attempt++));
  }

  async connect() {
    if (this.stopped) return;
    this.setState(this.opened ? 'reconnecting' : 'connecting');
    let ticket;
    try {
      // After a reconnect frame (the token behind the connection expired)
      // the next ticket is asked for with a fresh token.
      ticket = (await this.api.ticket({ fresh: this.freshToken })).ticket;
      this.freshToken = false;
    } catch (err) {
      if (err.status === 401) return this.refuse('unauthorized');
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
      this.setState('open');
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ action: 'ping' }), this.pingEvery);
      this.dispatchEvent(new CustomEvent('open', { detail: { reconnect } }));
    };
    ws.onmessage = (ev) => {
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (err) {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      if (frame.type === 'reconnect') {
        // The server closes this connection next; come back at once.
        this.freshToken = true;
        this.attempt = 0;
      }
      this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
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
      if (conversation.status === 'closed') return this.refuse('conflict');
    } catch (err) {
      if (err.status === 404 || err.status === 401) return this.refuse(err.code);
    }
    this.retry();
  }

  refuse(code) {
    this.stop();
    this.dispatchEvent(new CustomEvent('refused', { detail: { code } }));
  }
}

/**
 * Timeline holds one conversation's messages in order, oldest first, each
 * once: by message id, and by clientMessageId for the sender's own.
 */
export class Timeline {
  constructor() {
    this.byId = new Map();
    this.order = [];
  }

  /** upsert adds or updates a message; it returns 'added', 'updated' or 'same'. */
  upsert(m) {
    const old = this.byId.get(m.id);
    if (old) {
      const changed = old.body !== m.body || old.editedAt !== m.editedAt || old.deleted !== m.deleted;
      const merged = { ...old, ...m };
      if (merged.deleted) delete merged.body; // a tombstone never keeps the words
      this.byId.set(m.id, merged);
      return changed ? 'updated' : 'same';
    }
    this.byId.set(m.id, m);
    // IDs sort by creation time; most arrivals go at the end.
    let i = this.order.length;
    while (i > 0 && this.order[i - 1] > m.id) i--;
    this.order.splice(i, 0, m.id);
    return 'added';
  }

  /** markDeleted applies a message.deleted frame. */
  markDeleted(id) {
    const m = this.byId.get(id);
    if (!m) return false;
    this.byId.set(id, { ...m, deleted: true, body: undefined });
    return true;
  }

  has(id) { return this.byId.has(id); }
  hasClientMessageId(cmid) {
    for (const m of this.byId.values()) if (m.clientMessageId === cmid) return true;
    return false;
  }
  get(id) { return this.byId.get(id); }
  list() { return this.order.map((id) => this.byId.get(id)); }
  get size() { return this.order.length; }
  get lastId() { return this.order.length ? this.order[this.order.length - 1] : null; }
  get firstId() { return this.order.length ? this.order[0] : null; }
  clear() { this.byId.clear(); this.order = []; }
}

/**
 * Outbox keeps messages until the server has them: sent over the socket
 * when it is open, else over HTTP, always with the same clientMessageId, so
 * the server stores each exactly once however often it is retried.
 * Persisted in sessionStorage under key when one is given.
 */
export class Outbox {
  constructor({ api, socket, conversationId, storageKey = null, storage = globalThis.sessionStorage }) {
    this.api = api;
    this.socket = socket;
    this.conversationId = conversationId;
    this.key = storageKey;
    this.storage = storageKey ? storage : null;
    this.pending = new Map();
    this.inFlight = new Set(); // clientMessageIds being sent over HTTP now
    if (this.storage) {
      try {
        for (const p of JSON.parse(this.storage.getItem(this.key) || '[]')) this.pending.set(p.clientMessageId, p);
      } catch (err) { /* unreadable: start empty */ }
    }
  }

  save() {
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify([...this.pending.values()]));
    } catch (err) { /* storage full or blocked: keep in memory */ }
  }

  /**
   * add queues a body and tries to send it; it returns the pending entry.
   * The attempt is this.sending (flush's promise: await it for the messages
   * HTTP stored, or catch its refusal); an unobserved refusal is not an
   * unhandled rejection.
   */
  add(body) {
    const p = { clientMessageId: newClientMessageId(), body, createdAt: new Date().toISOString() };
    this.pending.set(p.clientMessageId, p);
    this.save();
    this.sending = this.flush();
    this.sending.catch(() => {});
    return p;
  }

  /** acknowledge removes a pending entry once its message is stored. */
  acknowledge(clientMessageId) {
    if (this.pending.delete(clientMessageId)) this.save();
  }

  /**
   * settle acknowledges every pending entry the timeline already holds
   * (stored before a connection dropped, seen again by backfill).
   */
  settle(timeline) {
    for (const p of this.list()) if (timeline.hasClientMessageId(p.clientMessageId)) this.acknowledge(p.clientMessageId);
  }

  /** list returns what is still waiting, oldest first. */
  list() { return [...this.pending.values()]; }

  /** clear forgets everything (quick exit, sign-out). */
  clear() {
    this.pending.clear();
    if (this.storage) this.storage.removeItem(this.key);
  }

  /**
   * flush sends every pending entry: over the socket when open (the
   * message.created frame acknowledges it), otherwise over HTTP. It resolves
   * to the messages HTTP returned, and rejects on a refusal that retrying
   * cannot fix (the entry is dropped and the error has its clientMessageId).
   */
  async flush() {
    const stored = [];
    for (const p of this.list()) {
      if (this.socket && this.socket.isOpen) {
        this.socket.send({ action: 'sendMessage', conversationId: this.conversationId, clientMessageId: p.clientMessageId, body: p.body });
        continue;
      }
      // A flush already sending this entry over HTTP settles it.
      if (this.inFlight.has(p.clientMessageId)) continue;
      this.inFlight.add(p.clientMessageId);
      try {
        const { message } = await this.api.sendMessage(this.conversationId, p.clientMessageId, p.body);
        this.acknowledge(p.clientMessageId);
        stored.push(message);
      } catch (err) {
        if (err.status === 0 || err.status === 429 || err.status >= 500) break;
        this.acknowledge(p.clientMessageId);
        err.clientMessageId = p.clientMessageId;
        throw err;
      } finally {
        this.inFlight.delete(p.clientMessageId);
      }
    }
    return stored;
  }
}

/**
 * Typing tells the other side that this person is typing, and that they
 * stopped, within the server's rule of one typing frame per connection every
 * gap ms (it drops the rest): "typing" on a keystroke, again at most once a
 * gap while it goes on (the other side forgets it after a few seconds
 * without news); "stopped" after idle ms without a keystroke or when the
 * text is emptied (a message sent ends it by itself). A change the gap
 * holds back is sent when it ends (plus a margin for the network), so the
 * server relays it. send(typing) returns whether the frame went out.
 */
export class Typing {
  constructor(send, { gap = 2000, idle = 4000, margin = 250 } = {}) {
    this.sendFrame = send;
    this.gap = gap;
    this.idle = idle;
    this.margin = margin;
    this.last = -Infinity;
    this.reset();
  }

  /** input takes a keystroke; empty says the text is now empty. */
  input(empty) {
    if (empty) return this.stop();
    this.want = true;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idle);
    if (Date.now() - this.last >= this.gap) this.emit(true); // news, or a reminder while it goes on
    else this.settle();
  }

  /** stop says the typing ended: sent, emptied or idle. */
  stop() {
    this.want = false;
    clearTimeout(this.idleTimer);
    this.settle();
  }

  /**
   * sent says a message went: the other side stops showing "typing" when it
   * arrives, so no frame is needed, and typing on at once is news again.
   */
  sent() {
    clearTimeout(this.idleTimer);
    clearTimeout(this.timer);
    this.want = false;
    this.on = false;
  }

  /** settle tells the other side what is now so, as soon as the gap allows. */
  settle() {
    clearTimeout(this.timer);
    if (this.want === this.on) return;
    const wait = this.last + this.gap + this.margin - Date.now();
    if (wait > 0) this.timer = setTimeout(() => this.settle(), wait);
    else this.emit(this.want);
  }

  /**
   * reset forgets the typing (another conversation, sign-out) but not when
   * the last frame went: the server's gap is per connection, and the
   * dashboard's one connection serves every conversation.
   */
  reset() {
    clearTimeout(this.idleTimer);
    clearTimeout(this.timer);
    this.on = false;
    this.want = false;
  }

  emit(typing) {
    clearTimeout(this.timer);
    if (!this.sendFrame(typing)) return;
    this.last = Date.now();
    this.on = typing;
  }
}

/**
 * backfill fetches every message after the timeline's newest one (or the
 * newest page when the timeline is empty) and adds them; it returns the
 * messages that were new. Used after every (re)connect: together with the
 * timeline's dedupe there is no gap and no duplicate.
 */
export async function backfill(api, conversationId, timeline, limit = 100) {
  const added = [];
  for (let i = 0; i < 100; i++) {
    const after = timeline.lastId;
    const { messages } = await api.messages(conversationId, after ? { after, limit } : { limit });
    for (const m of messages) if (timeline.upsert(m) === 'added') added.push(m);
    if (!after || messages.length < limit) break;
  }
  return added;
}

/**
 * reread catches up after a reconnect: it reads the conversation newest
 * page first, back to the oldest message the timeline holds, so everything
 * that happened while the connection was down shows: new messages are
 * added (however many, and whatever the timeline got meanwhile over HTTP),
 * edited ones updated, and one that a page should hold but does not
 * (clients are never sent deleted messages; 24 h ones expire) is marked
 * deleted. An empty timeline gets the newest page. It returns how many
 * messages changed.
 */
export async function reread(api, conversationId, timeline, limit = 100) {
  let changed = 0;
  let cursor = null;
  const held = new Set(timeline.order); // what arrives meanwhile is news, not a gap
  for (let i = 0; i < 1000; i++) {
    const { messages, nextCursor } = await api.messages(conversationId, cursor ? { cursor, limit } : { limit });
    if (!messages.length) break;
    const seen = new Set(messages.map((m) => m.id));
    for (const m of messages) if (timeline.upsert(m) !== 'same') changed++;
    // The page covers its own span, and everything before it on the last page.
    const low = nextCursor ? messages[0].id : '';
    const high = messages[messages.length - 1].id;
    for (const m of timeline.list()) {
      if (held.has(m.id) && m.id >= low && m.id <= high && !seen.has(m.id) && !m.deleted && timeline.markDeleted(m.id)) changed++;
    }
    if (!nextCursor || messages[0].id <= timeline.firstId) break;
    cursor = nextCursor;
  }
  return changed;
}

/**
 * olderPage fetches the page before cursor (null: the newest page) and adds
 * it; it returns the next cursor (null when there is nothing older).
 */
export async function olderPage(api, conversationId, timeline, cursor, limit = 50) {
  const { messages, nextCursor } = await api.messages(conversationId, cursor ? { cursor, limit } : { limit });
  for (const m of messages) timeline.upsert(m);
  return nextCursor || null;
}

/** loadConfig reads the deployment's /config.json next to the pages. */
export async function loadConfig(url = '/config.json') {
  const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error('config ' + res.status);
  return res.json();
}
