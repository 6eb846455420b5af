// The conversation in the centre of the dashboard: history with paging,
// sending through the outbox, typing both ways, read receipts, edit and
// delete marks, the confidentiality indicator, claim and close.

import { Outbox, Timeline, Typing, olderPage, reread } from '../shared/protocol.js';
import { el, setText, show } from './dom.js';
import { clockTime } from './time.js';
import { claimText, closedText, retentionText, shortId } from './labels.js';

/** typingShownFor is how long "Client is typing…" lasts without news (ms). */
const typingShownFor = 6000;
/** maxBody is the protocol's default message limit in characters. */
const maxBody = 4000;

/** ConversationView shows one conversation at a time. */
export class ConversationView {
  /**
   * api: the protocol Api; socket: the staff feed Socket (staff may act on
   * any conversation through it); meId: the counsellor; els: the view's
   * elements; onRead(id) after the counsellor read a conversation;
   * onConversation(conversation) after a change this view made (claim,
   * close); confirmClose() resolves to true when the counsellor confirms.
   */
  constructor({ api, socket, meId, els, onRead, onConversation, confirmClose }) {
    this.api = api;
    this.socket = socket;
    this.meId = meId;
    this.els = els;
    this.onRead = onRead;
    this.onConversation = onConversation;
    this.confirmClose = confirmClose;
    this.conv = null;
    this.timeline = new Timeline();
    // One outbox per conversation, kept when the counsellor opens another:
    // a reply still waiting (offline) is sent when the feed is back,
    // whichever conversation is on screen then.
    this.outboxes = new Map();
    this.outbox = null;
    this.cursor = null;
    this.clientReadId = null;
    this.readSent = null;
    this.typer = new Typing((typing) => !!this.conv && this.socket.send({ action: 'typing', conversationId: this.conv.id, typing }));
    this.typingTimer = null;
    this.generation = 0;
    this.failures = new Map();

    els.composer.addEventListener('submit', (ev) => { ev.preventDefault(); this.send(); });
    els.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); this.send(); }
    });
    els.input.addEventListener('input', () => this.typed());
    els.older.addEventListener('click', () => this.loadOlder());
    els.claim.addEventListener('click', () => this.claim());
    els.close.addEventListener('click', () => this.closeSession());
    // Leaving the page would lose a reply not yet stored: the browser asks.
    addEventListener('beforeunload', (ev) => {
      if (this.waiting()) ev.preventDefault();
    });
  }

  /** waiting reports whether a reply, in any conversation, is not stored yet. */
  waiting() {
    for (const box of this.outboxes.values()) if (box.list().length) return true;
    return false;
  }

  /** outboxFor is the outbox of conversation id. */
  outboxFor(id) {
    if (!this.outboxes.has(id)) {
      this.outboxes.set(id, new Outbox({ api: this.api, socket: this.socket, conversationId: id, storageKey: null }));
    }
    return this.outboxes.get(id);
  }

  /** id is the open conversation's id (null when none is open). */
  get id() { return this.conv ? this.conv.id : null; }

  /** isBeingRead: the conversation is open and the page is on screen. */
  isBeingRead(id) {
    return !!this.conv && this.conv.id === id && document.visibilityState === 'visible';
  }

  /** open shows a conversation: its newest page, then live frames. */
  async open(conv) {
    const generation = ++this.generation;
    this.reset();
    this.conv = conv;
    this.outbox = this.outboxFor(conv.id);
    show(this.els.placeholder, false);
    show(this.els.body, true);
    this.renderHeader();
    this.renderMessages();
    const timeline = this.timeline;
    try {
      this.cursor = await olderPage(this.api, conv.id, timeline, null);
    } catch (err) {
      if (generation === this.generation) this.error('Could not load the messages: ' + err.message);
      return;
    }
    if (generation !== this.generation) return;
    this.renderMessages();
    this.scrollToEnd();
    this.readIfVisible();
    if (conv.status === 'active') this.els.input.focus();
  }

  reset() {
    // A new timeline, not a cleared one: a page still on its way for the
    // conversation shown before lands in the old one, never in this view.
    this.timeline = new Timeline();
    this.cursor = null;
    this.clientReadId = null;
    this.readSent = null;
    this.typer.reset();
    this.failures.clear();
    clearTimeout(this.typingTimer);
    setText(this.els.typing, '');
    setText(this.els.error, '');
    this.announce(null, '');
    this.els.input.value = '';
  }

  /** closeView empties the view (sign-out: nothing can be sent any more). */
  closeView() {
    this.generation++;
    this.reset();
    this.conv = null;
    this.outbox = null;
    this.outboxes.clear();
    this.els.messages.replaceChildren();
    show(this.els.body, false);
    show(this.els.placeholder, true);
  }

  /**
   * apply takes a feed frame: a stored reply leaves its outbox, whatever the
   * conversation; other frames of conversations not on screen are ignored.
   */
  apply(frame) {
    const convId = frame.conversationId || (frame.conversation && frame.conversation.id);
    if (frame.type === 'message.created' && frame.message.clientMessageId && this.outboxes.has(convId)) {
      this.outboxes.get(convId).acknowledge(frame.message.clientMessageId);
    }
    if (!this.conv || convId !== this.conv.id) return;
    switch (frame.type) {
      case 'message.created': {
        const m = frame.message;
        const added = this.timeline.upsert(m) === 'added';
        if (m.senderRole === 'client') {
          this.showTyping(false);
          if (added && !m.deleted) this.announce(m.id, 'Client: ' + m.body);
          this.readIfVisible();
        }
        this.renderMessages(true);
        break;
      }
      case 'message.updated':
        this.timeline.upsert(frame.message);
        this.renderMessages();
        break;
      case 'message.deleted':
        this.timeline.markDeleted(frame.messageId);
        // A deleted message's text leaves the page, the live region too.
        if (this.announced === frame.messageId) this.announce(null, '');
        this.renderMessages();
        break;
      case 'typing':
        if (frame.role === 'client') this.showTyping(!!frame.typing);
        break;
      case 'read':
        if (frame.role === 'client' && (!this.clientReadId || frame.messageId > this.clientReadId)) {
          this.clientReadId = frame.messageId;
          this.renderMessages();
        }
        break;
      case 'conversation.updated':
      case 'conversation.closed':
        this.conv = { ...this.conv, ...frame.conversation, unread: this.conv.unread };
        if (frame.type === 'conversation.closed') this.showTyping(false);
        this.renderHeader();
        break;
      default:
    }
  }

  /** refused takes an error frame that answers one of our sends. */
  refused(frame) {
    if (!frame.clientMessageId) return false;
    for (const box of this.outboxes.values()) {
      if (!box.list().some((p) => p.clientMessageId === frame.clientMessageId)) continue;
      box.acknowledge(frame.clientMessageId);
      this.notSent(box, frame.message || frame.code);
      this.renderMessages();
      return true;
    }
    return false;
  }

  /** notSent says a reply was refused, naming its conversation if it is not on screen. */
  notSent(box, why) {
    const where = box === this.outbox ? '' : ' (a reply to another conversation)';
    this.error('Not sent' + where + ': ' + why);
  }

  /**
   * resync catches up after a reconnect: every page back to the oldest
   * message shown, read again (what is new, edited or deleted; the timeline
   * drops duplicates), the conversation's state, then what is still
   * waiting in the outbox.
   */
  async resync() {
    if (!this.conv) return;
    const generation = this.generation;
    const id = this.conv.id;
    const timeline = this.timeline;
    try {
      await reread(this.api, id, timeline);
      const { conversation } = await this.api.getConversation(id);
      if (generation !== this.generation) return;
      this.conv = conversation;
      this.outbox.settle(this.timeline);
    } catch (err) {
      if (generation === this.generation) this.error('Could not catch up: ' + err.message);
      return;
    }
    this.renderHeader();
    this.renderMessages(true);
    this.readIfVisible();
    this.flush();
  }

  /** readIfVisible moves the read marker to the newest client message. */
  readIfVisible() {
    if (!this.conv || document.visibilityState !== 'visible') return;
    const last = this.timeline.list().filter((m) => m.senderRole === 'client').pop();
    if (!last || (this.readSent && this.readSent >= last.id)) return;
    this.readSent = last.id;
    const id = this.conv.id;
    if (!this.socket.send({ action: 'markRead', conversationId: id, messageId: last.id })) {
      this.api.markRead(id, last.id).catch(() => { this.readSent = null; });
    }
    this.onRead(id);
  }

  /** typed tells the client that the counsellor is typing, and when they stop (Typing). */
  typed() {
    if (!this.conv || this.conv.status !== 'active') return;
    this.typer.input(!this.els.input.value.trim());
  }

  send() {
    if (!this.conv || this.conv.status !== 'active') return;
    const body = this.els.input.value.trim();
    if (!body) return;
    if (body.length > maxBody) {
      this.error(`Messages can be at most ${maxBody} characters (this one has ${body.length}).`);
      return;
    }
    setText(this.els.error, '');
    this.typer.sent();
    this.outbox.add(body);
    this.els.input.value = '';
    this.renderMessages(true);
    this.track(this.outbox, this.outbox.sending);
  }

  /** flush sends what is still waiting, in every conversation (after a reconnect). */
  flush() {
    for (const box of this.outboxes.values()) if (box.list().length) this.track(box, box.flush());
  }

  /** track takes the result of a send: HTTP answers go straight to the timeline. */
  async track(outbox, sending) {
    try {
      const stored = await sending;
      if (outbox !== this.outbox) return;
      for (const m of stored) this.timeline.upsert(m);
    } catch (err) {
      if (this.outboxes.get(outbox.conversationId) === outbox) this.notSent(outbox, err.message);
    }
    this.renderMessages(true);
  }

  async loadOlder() {
    if (!this.conv || !this.cursor) return;
    const generation = this.generation;
    const list = this.els.messages;
    const fromBottom = list.scrollHeight - list.scrollTop;
    const timeline = this.timeline;
    try {
      const cursor = await olderPage(this.api, this.conv.id, timeline, this.cursor);
      if (generation !== this.generation) return;
      this.cursor = cursor;
    } catch (err) {
      this.error('Could not load earlier messages: ' + err.message);
      return;
    }
    this.renderMessages();
    list.scrollTop = list.scrollHeight - fromBottom;
  }

  async claim() {
    if (!this.conv) return;
    try {
      const { conversation } = await this.api.claim(this.conv.id);
      this.conv = { ...this.conv, ...conversation };
      this.renderHeader();
      this.onConversation(conversation);
    } catch (err) {
      this.error('Could not claim: ' + err.message);
    }
  }

  async closeSession() {
    if (!this.conv || this.conv.status !== 'active') return;
    const id = this.conv.id;
    if (!(await this.confirmClose())) return;
    try {
      const { conversation } = await this.api.close(id);
      if (!this.conv || this.conv.id !== id) return;
      this.conv = { ...this.conv, ...conversation };
      this.renderHeader();
      this.onConversation(conversation);
    } catch (err) {
      this.error('Could not close the session: ' + err.message);
    }
  }

  showTyping(on) {
    clearTimeout(this.typingTimer);
    setText(this.els.typing, on ? 'Client is typing…' : '');
    if (on) this.typingTimer = setTimeout(() => setText(this.els.typing, ''), typingShownFor);
  }

  /** announce says a new message to screen readers (the aria-live region). */
  announce(messageId, text) {
    this.announced = messageId;
    setText(this.els.announcer, text);
  }

  error(text) { setText(this.els.error, text); }

  scrollToEnd() {
    const list = this.els.messages;
    list.scrollTop = list.scrollHeight;
  }

  renderHeader() {
    const c = this.conv;
    const e = this.els;
    const active = c.status === 'active';
    setText(e.heading, 'Client ' + shortId(c.userId));
    setText(e.retention, retentionText(c.retention));
    e.retention.dataset.retention = c.retention;
    setText(e.claimState, claimText(c.assignee, this.meId));
    show(e.claim, active && c.assignee !== this.meId);
    setText(e.claim, c.assignee ? 'Take over' : 'Claim');
    show(e.close, active);
    show(e.closedNote, !active);
    setText(e.closedNote, active ? '' : closedText(c, this.meId));
    e.input.disabled = !active;
    e.sendButton.disabled = !active;
    show(e.composer, active);
  }

  /** renderMessages redraws the history; follow keeps the view at the end. */
  renderMessages(follow = false) {
    const list = this.els.messages;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const messages = this.timeline.list();
    let readMark = null;
    if (this.clientReadId) {
      for (const m of messages) if (m.senderRole === 'staff' && m.id <= this.clientReadId) readMark = m.id;
    }
    const items = messages.map((m) => this.renderMessage(m, m.id === readMark));
    if (this.outbox) {
      for (const p of this.outbox.list()) {
        if (this.timeline.hasClientMessageId(p.clientMessageId)) continue;
        items.push(el('li', { className: 'msg msg-staff msg-pending', dataset: { clientMessageId: p.clientMessageId } },
          el('p', { className: 'msg-meta' }, el('span', { className: 'msg-who', text: 'You' }), ' ', el('span', { text: 'Sending…' })),
          el('p', { className: 'msg-body', text: p.body })));
      }
    }
    list.replaceChildren(...items);
    show(this.els.older, !!this.cursor);
    show(this.els.empty, items.length === 0);
    if (follow || atEnd) this.scrollToEnd();
  }

  renderMessage(m, read) {
    const mine = m.senderId === this.meId;
    let who = 'Client';
    if (m.senderRole === 'staff') who = mine ? 'You' : 'Colleague ' + shortId(m.senderId);
    const classes = ['msg', m.senderRole === 'staff' ? 'msg-staff' : 'msg-client'];
    if (m.deleted) classes.push('msg-deleted');
    const meta = el('p', { className: 'msg-meta' },
      el('span', { className: 'msg-who', text: who }), ' ',
      el('time', { datetime: m.createdAt, text: clockTime(m.createdAt) }),
      m.editedAt && !m.deleted ? el('span', { className: 'msg-edited', text: ' (edited)' }) : null);
    const body = m.deleted
      ? el('p', { className: 'msg-body msg-tombstone', text: 'Message deleted' })
      : el('p', { className: 'msg-body', text: m.body });
    return el('li', { className: classes.join(' '), dataset: { id: m.id } }, meta, body,
      read ? el('p', { className: 'msg-read', text: 'Read' }) : null);
  }
}
