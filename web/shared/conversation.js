// One conversation as one side holds it, for the widget (the client's side)
// and the dashboard (a counsellor's) alike: its messages (timeline.js), what
// this side wrote and the server has not taken yet (outbox.js, sent again by
// the one retry policy), the other side's typing and read marker, this
// side's read marker, and the server's limits. The apps are views: they
// hand it the server's frames and render what it holds. Plain ES module.

import { Action, Code, Frame, Role, conversationOf } from './frames.js';
import { Timeline, backfill, reread } from './timeline.js';
import { Outbox, retryable, retryDelay } from './outbox.js';
import { TYPING_SHOWN_FOR } from './typing.js';
import { tooLong } from './config.js';

/**
 * Conversation is one conversation seen from side (Role.Client or
 * Role.Staff). api is the protocol Api; socket sends frames (a Socket, the
 * widget's Link, or null when nothing is sent); limits are the server's
 * (limitsOf). storageKey and storage keep the outbox across page loads
 * (the widget's sessionStorage); without them it is kept in memory.
 * onChange(change) is called whenever what it holds changes on its own: a
 * retry's result ({ kind: 'sent' }), a refusal ({ kind: 'refused', why }),
 * the other side's typing forgotten ({ kind: 'typing' }).
 */
export class Conversation {
  constructor({ api, socket = null, conversation, side, limits = {}, storageKey = null, storage, onChange = () => {} }) {
    this.api = api;
    this.socket = socket;
    this.id = conversation.id;
    this.conversation = conversation;
    this.side = side;
    this.other = side === Role.Client ? Role.Staff : Role.Client;
    this.limits = limits;
    this.onChange = onChange;
    this.outbox = new Outbox({ api, socket, conversationId: this.id, storageKey, storage, frameBytes: limits.frameBytes });
    this.retries = 0;
    this.retryTimer = null;
    this.typingTimer = null;
    this.stopped = false;
    this.reset(conversation);
  }

  /**
   * reset starts the conversation's view afresh (the dashboard opening it
   * again): a new timeline, so a page still on its way for the previous
   * view lands in the old one, and no typing or read markers. What waits in
   * the outbox stays.
   */
  reset(conversation = this.conversation) {
    this.conversation = conversation;
    this.timeline = new Timeline();
    this.readUpTo = ''; // the other side's read marker: this side's messages up to it are read
    this.seenUpTo = ''; // this side's read marker
    this.typing = false; // the other side is typing
    clearTimeout(this.typingTimer);
  }

  /** active says whether messages can still be sent. */
  get active() { return this.conversation.status === 'active'; }

  /**
   * apply takes a server frame. It returns null when the frame changes
   * nothing here (another conversation's, or nothing new), else what
   * changed: { kind, news, refused }, news being a new message from the
   * other side, refused why a send of this side was refused.
   */
  apply(frame) {
    if (frame.type === Frame.Error) return this.refused(frame);
    if (conversationOf(frame) !== this.id) return null;
    switch (frame.type) {
      case Frame.MessageCreated:
      case Frame.MessageUpdated: {
        const m = frame.message;
        const added = this.timeline.upsert(m) === 'added';
        if (m.clientMessageId) this.acknowledge(m.clientMessageId);
        if (m.senderRole !== this.other) return { kind: 'message', news: null };
        // A message ends the typing that wrote it.
        if (frame.type === Frame.MessageCreated) this.showTyping(false);
        return { kind: 'message', news: added && !m.deleted ? m : null };
      }
      case Frame.MessageDeleted:
        return this.timeline.markDeleted(frame.messageId) ? { kind: 'deleted', id: frame.messageId } : null;
      case Frame.Typing:
        if (frame.role !== this.other) return null;
        this.showTyping(!!frame.typing);
        return { kind: 'typing' };
      case Frame.Read:
        if (frame.role !== this.other || frame.messageId <= this.readUpTo) return null;
        this.readUpTo = frame.messageId;
        return { kind: 'read' };
      case Frame.ConversationUpdated:
      case Frame.ConversationClosed:
        this.update(frame.conversation);
        if (!this.active) this.showTyping(false);
        return { kind: 'conversation' };
      default:
        return null;
    }
  }

  /**
   * update takes a newer state of the conversation (a frame's or an HTTP
   * answer's). Frames always say unread 0: the count known before is kept.
   */
  update(conversation) {
    const unread = this.conversation.unread;
    this.conversation = { ...this.conversation, ...conversation };
    if (unread !== undefined) this.conversation.unread = unread;
  }

  /**
   * refused takes an error frame. When it answers a send still waiting
   * here, the message is dropped and the change says why, unless its code
   * is retryable (outbox.js): "too fast" is sent again when the server
   * said it may ({ kind: 'limited' }: the outbox's limited holds its words
   * and when); "access ended" (the credential was refused, not the
   * message: it is sent once the person is signed in again), "unavailable"
   * and "internal" keep waiting and are sent again. Otherwise it returns
   * null.
   */
  refused(frame) {
    const cmid = frame.clientMessageId;
    if (!cmid || !this.outbox.has(cmid)) return null;
    if (frame.code === Code.RateLimited) {
      this.outbox.limit(frame.message, frame.retryAfterSeconds, this.retries);
      this.retryLater();
      return { kind: 'limited' };
    }
    if (retryable(frame.code)) {
      this.retryLater();
      return null;
    }
    this.outbox.acknowledge(cmid);
    return { kind: 'refused', refused: frame.message || frame.code };
  }

  /** acknowledge takes the server's word that a message of this side is stored. */
  acknowledge(clientMessageId) {
    if (this.outbox.acknowledge(clientMessageId)) this.retries = 0;
  }

  /**
   * send queues a message (trimmed, not empty) and sends it. It returns why
   * it cannot be sent (too long: the text stays with the person), or null.
   */
  send(body) {
    const why = tooLong(body, this.limits);
    if (why) return why;
    this.outbox.add(body, !!this.socket && !this.socket.isOpen);
    this.track(this.outbox.sending);
    return null;
  }

  /** flush sends what is still waiting. */
  flush() {
    if (!this.stopped) this.track(this.outbox.flush());
  }

  /**
   * track follows a flush: what HTTP stored goes into the timeline, a
   * refusal is told, and what still waits is sent again later (retryDelay).
   */
  track(sending) {
    clearTimeout(this.retryTimer);
    sending.then((stored) => {
      for (const m of stored) this.timeline.upsert(m);
      if (stored.length) this.retries = 0;
      if (!this.stopped) this.onChange({ kind: 'sent' });
    }, (err) => {
      if (!this.stopped) this.onChange({ kind: 'refused', refused: err.message });
    }).finally(() => this.retryLater());
  }

  /**
   * retryLater sends what still waits again after the policy's wait, or
   * when the server said it may (the outbox is limited: the same
   * clientMessageIds go again then).
   */
  retryLater() {
    clearTimeout(this.retryTimer);
    if (this.stopped || !this.outbox.list().length) {
      this.retries = 0;
      this.outbox.limited = null;
      return;
    }
    const limited = this.outbox.limited;
    this.retryTimer = setTimeout(() => {
      this.outbox.limited = null;
      this.flush();
    }, limited ? Math.max(0, limited.until - Date.now()) : retryDelay(this.retries++));
  }

  /**
   * catchUp runs when the connection is (back) open: it reads what was
   * missed (first: what came after the newest message held; else the whole
   * re-read of reread, which also shows edits and deletions), settles the
   * outbox with it and sends what still waits, at once.
   */
  async catchUp({ first = false } = {}) {
    const timeline = this.timeline;
    try {
      await (first ? backfill : reread)(this.api, this.id, timeline);
    } finally {
      if (!this.stopped) {
        this.outbox.settle(timeline);
        this.retries = 0;
        this.flush();
      }
    }
  }

  /**
   * items lists what to show, oldest first: the stored messages (tombstones
   * too with deleted; one written offline with writtenAt, when it was
   * written), then what waits, marked pending.
   */
  items({ deleted = false } = {}) {
    const late = this.outbox.written;
    const out = this.timeline.list().filter((m) => deleted || !m.deleted)
      .map((m) => (late.has(m.clientMessageId) ? { ...m, writtenAt: late.get(m.clientMessageId) } : m));
    for (const p of this.outbox.list()) {
      if (!this.timeline.hasClientMessageId(p.clientMessageId)) out.push({ ...p, senderRole: this.side, pending: true });
    }
    return out;
  }

  /** readMark is the id of this side's newest message the other side has read ('' when none). */
  readMark() {
    let id = '';
    if (!this.readUpTo) return id;
    for (const m of this.timeline.list()) if (m.senderRole === this.side && m.id <= this.readUpTo) id = m.id;
    return id;
  }

  /** lastFromOther is the id of the other side's newest message ('' when none). */
  lastFromOther() {
    let id = '';
    for (const m of this.timeline.list()) if (m.senderRole === this.other && !m.deleted) id = m.id;
    return id;
  }

  /** unread counts the other side's messages after this side's read marker. */
  unread() {
    let n = 0;
    for (const m of this.timeline.list()) if (m.senderRole === this.other && !m.deleted && m.id > this.seenUpTo) n++;
    return n;
  }

  /** seen moves this side's read marker to id when it is newer (another tab read up to it). */
  seen(id) {
    if (id > this.seenUpTo) this.seenUpTo = id;
  }

  /**
   * markRead tells the server that this side read the other side's newest
   * message, over the socket or else over HTTP; it returns that message's
   * id, or null when there was nothing new to read. Should HTTP fail, the
   * marker goes back, so the next call tells it again.
   */
  markRead() {
    const last = this.lastFromOther();
    if (!last || last <= this.seenUpTo) return null;
    const before = this.seenUpTo;
    this.seenUpTo = last;
    if (!this.socket || !this.socket.send({ action: Action.MarkRead, conversationId: this.id, messageId: last })) {
      this.api.markRead(this.id, last).catch(() => {
        if (this.seenUpTo === last) this.seenUpTo = before;
      });
    }
    return last;
  }

  /** showTyping shows the other side typing (on), until news or TYPING_SHOWN_FOR without any. */
  showTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing = on;
    if (!on) return;
    this.typingTimer = setTimeout(() => {
      this.typing = false;
      if (!this.stopped) this.onChange({ kind: 'typing' });
    }, TYPING_SHOWN_FOR);
  }

  /** waiting says whether a message of this side is not stored yet. */
  get waiting() { return this.outbox.list().length > 0; }

  /** stop ends every timer (the conversation ended, sign-out, quick exit); clear also forgets what waits. */
  stop({ clear = false } = {}) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.typingTimer);
    this.typing = false;
    if (clear) this.outbox.clear();
  }
}
