// The conversation in the centre of the dashboard: a view of a shared
// Conversation (shared/conversation.js, which holds the messages, the
// outbox, typing and read markers): history with paging, the composer, the
// confidentiality indicator, claim and close.

import { Conversation } from '../shared/conversation.js';
import { olderPage } from '../shared/timeline.js';
import { Typing } from '../shared/typing.js';
import { Action, Frame, Role, conversationOf } from '../shared/frames.js';
import { h, setText, show, bindComposer } from '../shared/dom.js';
import { clockTime } from './time.js';
import { claimText, closedText, retentionText, shortId } from './labels.js';

/** ConversationView shows one conversation at a time. */
export class ConversationView {
  /**
   * api: the protocol Api; socket: the staff feed Socket (staff may act on
   * any conversation through it); meId: the counsellor; limits: the
   * server's (limitsOf); els: the view's elements; onRead(id) after the
   * counsellor read a conversation; onConversation(conversation) after a
   * change this view made (claim, close); confirmClose() resolves to true
   * when the counsellor confirms.
   */
  constructor({ api, socket, meId, limits, els, onRead, onConversation, confirmClose }) {
    this.api = api;
    this.socket = socket;
    this.meId = meId;
    this.limits = limits;
    this.els = els;
    this.onRead = onRead;
    this.onConversation = onConversation;
    this.confirmClose = confirmClose;
    // One Conversation per conversation opened, kept when the counsellor
    // opens another: a reply still waiting (offline) is sent when the feed
    // is back, whichever conversation is on screen then.
    this.models = new Map();
    this.model = null;
    this.cursor = null;
    this.typer = new Typing((typing) => !!this.model && !!this.socket && this.socket.send({ action: Action.Typing, conversationId: this.model.id, typing }));
    this.generation = 0;

    bindComposer(els.composer, els.input, (body) => this.send(body));
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
    for (const m of this.models.values()) if (m.waiting) return true;
    return false;
  }

  /** modelFor is the Conversation of conv, made the first time it is opened. */
  modelFor(conv) {
    let m = this.models.get(conv.id);
    if (!m) {
      m = new Conversation({ api: this.api, socket: this.socket, conversation: conv, side: Role.Staff, limits: this.limits,
        onChange: (change) => this.changed(m, change) });
      this.models.set(conv.id, m);
    }
    return m;
  }

  /** conv is the open conversation (null when none is open). */
  get conv() { return this.model ? this.model.conversation : null; }

  /** id is the open conversation's id (null when none is open). */
  get id() { return this.model ? this.model.id : null; }

  /** isBeingRead: the conversation is open and the page is on screen. */
  isBeingRead(id) {
    return !!this.model && this.model.id === id && document.visibilityState === 'visible';
  }

  /** open shows a conversation: its newest page, then live frames. */
  async open(conv) {
    const generation = ++this.generation;
    this.reset();
    // The conversation shown before keeps only what waits in its outbox.
    if (this.model && this.model.id !== conv.id) this.model.reset();
    this.model = this.modelFor(conv);
    this.model.reset(conv);
    show(this.els.placeholder, false);
    show(this.els.body, true);
    this.renderHeader();
    this.renderMessages();
    const timeline = this.model.timeline;
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
    this.cursor = null;
    this.typer.reset();
    setText(this.els.typing, '');
    setText(this.els.error, '');
    this.announce(null, '');
    this.els.input.value = '';
  }

  /** closeView empties the view (sign-out: nothing can be sent any more). */
  closeView() {
    this.generation++;
    this.reset();
    for (const m of this.models.values()) m.stop({ clear: true });
    this.models.clear();
    this.model = null;
    this.els.messages.replaceChildren();
    show(this.els.body, false);
    show(this.els.placeholder, true);
  }

  /**
   * apply takes a feed frame: a stored reply leaves its outbox, whatever the
   * conversation; other frames of conversations not on screen are ignored.
   */
  apply(frame) {
    if (frame.type === Frame.Error) return this.refused(frame);
    const model = this.models.get(conversationOf(frame));
    if (!model) return;
    if (model !== this.model) {
      if (frame.type === Frame.MessageCreated && frame.message.clientMessageId) model.acknowledge(frame.message.clientMessageId);
      return;
    }
    const change = model.apply(frame);
    if (!change) return;
    switch (change.kind) {
      case 'message':
        if (change.news) this.announce(change.news.id, 'Client: ' + change.news.body);
        if (frame.type === Frame.MessageCreated && frame.message.senderRole === Role.Client) this.readIfVisible();
        this.renderMessages(frame.type === Frame.MessageCreated);
        break;
      case 'deleted':
        // A deleted message's text leaves the page, the live region too.
        if (this.announced === change.id) this.announce(null, '');
        this.renderMessages();
        break;
      case 'read':
        this.renderMessages();
        break;
      case 'conversation':
        this.renderHeader();
        break;
      default:
    }
    this.renderTyping();
  }

  /** refused takes an error frame that answers one of our sends; it says whether it did. */
  refused(frame) {
    for (const m of this.models.values()) {
      const change = m.refused(frame);
      if (!change) continue;
      this.notSent(m, change.refused);
      this.renderMessages();
      return true;
    }
    return false;
  }

  /** changed takes what a conversation changed by itself: a retry's result, a refusal, typing forgotten. */
  changed(model, change) {
    if (change.kind === 'refused' && this.models.get(model.id) === model) this.notSent(model, change.refused);
    if (model !== this.model) return;
    if (change.kind === 'typing') this.renderTyping();
    else this.renderMessages();
  }

  /** notSent says a reply was refused, naming its conversation if it is not on screen. */
  notSent(model, why) {
    const where = model === this.model ? '' : ' (a reply to another conversation)';
    this.error('Not sent' + where + ': ' + why);
  }

  /**
   * resync catches up after a reconnect: what waits in any conversation is
   * sent, and the open one is read again back to the oldest message shown
   * (what is new, edited or deleted; the timeline drops duplicates), with
   * its state.
   */
  async resync() {
    for (const m of this.models.values()) if (m !== this.model) m.flush();
    if (!this.model) return;
    const generation = this.generation;
    const model = this.model;
    try {
      await model.catchUp();
      const { conversation } = await this.api.getConversation(model.id);
      if (generation !== this.generation) return;
      model.update(conversation);
    } catch (err) {
      if (generation === this.generation) this.error('Could not catch up: ' + err.message);
      return;
    }
    this.renderHeader();
    this.renderMessages(true);
    this.readIfVisible();
  }

  /** readIfVisible moves the read marker to the newest client message. */
  readIfVisible() {
    if (!this.model || document.visibilityState !== 'visible') return;
    if (this.model.markRead()) this.onRead(this.model.id);
  }

  /** typed tells the client that the counsellor is typing, and when they stop (Typing). */
  typed() {
    if (!this.model || !this.model.active) return;
    this.typer.input(!this.els.input.value.trim());
  }

  /** send sends a reply (from the composer); it returns why it did not (the text stays), or null. */
  send(body) {
    if (!this.model || !this.model.active) return 'This conversation is closed.';
    const why = this.model.send(body);
    if (why) {
      this.error(why);
      return why;
    }
    setText(this.els.error, '');
    this.typer.sent();
    this.renderMessages(true);
    return null;
  }

  async loadOlder() {
    if (!this.model || !this.cursor) return;
    const generation = this.generation;
    const list = this.els.messages;
    const fromBottom = list.scrollHeight - list.scrollTop;
    try {
      const cursor = await olderPage(this.api, this.model.id, this.model.timeline, this.cursor);
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
    if (!this.model) return;
    const model = this.model;
    try {
      const { conversation } = await this.api.claim(model.id);
      model.update(conversation);
      if (model === this.model) this.renderHeader();
      this.onConversation(conversation);
    } catch (err) {
      this.error('Could not claim: ' + err.message);
    }
  }

  async closeSession() {
    if (!this.model || !this.model.active) return;
    const model = this.model;
    if (!(await this.confirmClose())) return;
    try {
      const { conversation } = await this.api.close(model.id);
      model.update(conversation);
      if (model !== this.model) return;
      this.renderHeader();
      this.renderTyping();
      this.onConversation(conversation);
    } catch (err) {
      this.error('Could not close the session: ' + err.message);
    }
  }

  renderTyping() {
    setText(this.els.typing, this.model && this.model.typing ? 'Client is typing…' : '');
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
    const model = this.model;
    const readMark = model ? model.readMark() : '';
    const items = model ? model.items({ deleted: true }).map((m) => (m.pending ? this.renderPending(m) : this.renderMessage(m, m.id === readMark))) : [];
    list.replaceChildren(...items);
    show(this.els.older, !!this.cursor);
    show(this.els.empty, items.length === 0);
    if (follow || atEnd) this.scrollToEnd();
  }

  renderPending(p) {
    return h('li', { className: 'msg msg-staff msg-pending', dataset: { clientMessageId: p.clientMessageId } },
      h('p', { className: 'msg-meta' }, h('span', { className: 'msg-who', text: 'You' }), ' ', h('span', { text: 'Sending…' })),
      h('p', { className: 'msg-body', text: p.body }));
  }

  renderMessage(m, read) {
    const mine = m.senderId === this.meId;
    let who = 'Client';
    if (m.senderRole === Role.Staff) who = mine ? 'You' : 'Colleague ' + shortId(m.senderId);
    const classes = ['msg', m.senderRole === Role.Staff ? 'msg-staff' : 'msg-client'];
    if (m.deleted) classes.push('msg-deleted');
    const meta = h('p', { className: 'msg-meta' },
      h('span', { className: 'msg-who', text: who }), ' ',
      h('time', { datetime: m.createdAt, text: clockTime(m.createdAt) }),
      m.editedAt && !m.deleted ? h('span', { className: 'msg-edited', text: ' (edited)' }) : null);
    const body = m.deleted
      ? h('p', { className: 'msg-body msg-tombstone', text: 'Message deleted' })
      : h('p', { className: 'msg-body', text: m.body });
    return h('li', { className: classes.join(' '), dataset: { id: m.id } }, meta, body,
      read ? h('p', { className: 'msg-read', text: 'Read' }) : null);
  }
}
