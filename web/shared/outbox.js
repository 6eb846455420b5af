// What a person wrote, until the server has it: the outbox, and the one
// retry policy of both clients. Plain ES module.

import { Action, Code } from './frames.js';
import { backoffDelay, newClientMessageId } from './protocol.js';

/** RETRY_FIRST and RETRY_MAX bound the waits between two sends of what is still waiting (ms). */
export const RETRY_FIRST = 4000;
export const RETRY_MAX = 60000;

/**
 * retryDelay is the retry policy of both clients: what is still waiting is
 * sent again at once when the connection is back (Conversation.catchUp),
 * and meanwhile on a timer, after retryDelay(n) for the nth retry in a row:
 * 2–4 s, then twice as long each time up to 30–60 s, with jitter so that
 * clients cut off together do not come back together. The count starts
 * again when the server takes something. A refusal that retrying cannot
 * fix is shown at once and not retried; the codes of retryable are.
 */
export function retryDelay(n, random = Math.random) {
  return backoffDelay(n, RETRY_FIRST, RETRY_MAX, random);
}

/**
 * RETRYABLE are the error codes that refuse the moment, not the message:
 * "too fast" (rate_limited), "access ended" (unauthorized: sent once the
 * person is signed in again), and the server's own failures (unavailable,
 * internal): the message was not stored, and sending it again with the
 * same clientMessageId stores it once.
 */
const RETRYABLE = new Set([Code.RateLimited, Code.Unauthorized, Code.Unavailable, Code.Internal]);

/** retryable says whether an error frame's code keeps the message waiting to be sent again. */
export function retryable(code) { return RETRYABLE.has(code); }

const utf8 = new TextEncoder();

/**
 * Outbox keeps messages until the server has them: sent over the socket
 * when it is open, else over HTTP, always with the same clientMessageId, so
 * the server stores each exactly once however often it is retried.
 * Persisted in storage (sessionStorage) under storageKey when one is given.
 * A frame larger than frameBytes (the server's limit) goes over HTTP even
 * when the socket is open: the gateway would close the connection on it,
 * and the outbox would send it again on every reconnect.
 */
export class Outbox {
  constructor({ api, socket, conversationId, storageKey = null, storage = globalThis.sessionStorage, frameBytes = null }) {
    this.api = api;
    this.socket = socket;
    this.conversationId = conversationId;
    this.key = storageKey;
    this.storage = storageKey ? storage : null;
    this.frameBytes = frameBytes;
    this.pending = new Map();
    this.inFlight = new Set(); // clientMessageIds being sent over HTTP now
    /** written maps the clientMessageId of a message written offline, now stored, to when it was written. */
    this.written = new Map();
    /** limited is the server's "too fast" ({ why, until: ms }) until the next try, else null. */
    this.limited = null;
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
   * add queues a body and tries to send it; it returns the pending entry
   * (offline: written while not connected, remembered in written once
   * stored).
   * The attempt is this.sending (flush's promise: await it for the messages
   * HTTP stored, or catch its refusal); an unobserved refusal is not an
   * unhandled rejection.
   */
  add(body, offline = false) {
    const p = { clientMessageId: newClientMessageId(), body, createdAt: new Date().toISOString() };
    if (offline) p.offline = true;
    this.pending.set(p.clientMessageId, p);
    this.save();
    this.sending = this.flush();
    this.sending.catch(() => {});
    return p;
  }

  /** has says whether clientMessageId is still waiting here. */
  has(clientMessageId) { return this.pending.has(clientMessageId); }

  /** acknowledge removes a pending entry once its message is stored; it says whether there was one. */
  acknowledge(clientMessageId) {
    const p = this.pending.get(clientMessageId);
    if (!p) return false;
    if (p.offline) this.written.set(clientMessageId, p.createdAt);
    this.pending.delete(clientMessageId);
    this.save();
    return true;
  }

  /**
   * settle acknowledges every pending entry the timeline already holds
   * (stored before a connection dropped, seen again by a catch-up).
   */
  settle(timeline) {
    for (const p of this.list()) if (timeline.hasClientMessageId(p.clientMessageId)) this.acknowledge(p.clientMessageId);
  }

  /** list returns what is still waiting, oldest first. */
  list() { return [...this.pending.values()]; }

  /** clear forgets everything (quick exit, sign-out, the conversation ended). */
  clear() {
    this.pending.clear();
    if (this.storage) this.storage.removeItem(this.key);
  }

  /**
   * limit takes the server's "too fast": why (its words) and seconds to
   * wait (null: the retry policy's next wait, retryDelay(n)).
   */
  limit(why, seconds, n = 0) {
    this.limited = { why, until: Date.now() + (seconds ? seconds * 1000 : retryDelay(n)) };
  }

  /** fits says whether a frame may go over the socket under the server's frame limit. */
  fits(frame) {
    return !this.frameBytes || utf8.encode(JSON.stringify(frame)).length <= this.frameBytes;
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
      const frame = { action: Action.SendMessage, conversationId: this.conversationId, clientMessageId: p.clientMessageId, body: p.body };
      if (this.socket && this.socket.isOpen && this.fits(frame)) {
        this.socket.send(frame);
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
        if (err.status === 429) this.limit(err.message, err.retryAfter);
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
