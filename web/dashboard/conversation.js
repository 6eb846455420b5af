// The conversation in the centre of the dashboard: a view of a shared
// Conversation (shared/conversation.js, which holds the messages, the
// outbox, typing and read markers): history with paging, the composer, the
// confidentiality indicator, claim, assign and close. What is shown follows
// who may read what (access.js): a counsellor opening a colleague's
// conversation sees its record and whose it is, never its words (they are
// not even asked for); a supervisor reading one not theirs reads it under a
// note that the audit trail records it, and answers in it only after
// assigning it to themselves.

import { Conversation } from '../shared/conversation.js';
import { olderPage } from '../shared/timeline.js';
import { Typing } from '../shared/typing.js';
import { Action, Frame, Role, conversationOf } from '../shared/frames.js';
import { h, setText, show, bindComposer } from '../shared/dom.js';
import { clockTime } from './time.js';
import { assigneeText, clientText, closedText, colleagueName, feedbackText, forgetLastMatch, handleOf, reassignedText, restrictedText, retentionText, senderText } from './labels.js';
import { answers, canAssign, canClaim, canClose, canPost, canRead, canSetRisk, oversees } from './access.js';
import { CannedPicker } from './canned.js';
import { AssignControl } from './assign.js';
import { RiskControl, riskLine } from './risk.js';

/** ConversationView shows one conversation at a time. */
export class ConversationView {
  /**
   * api: the protocol Api; socket: the staff feed Socket (staff may act on
   * the conversations they may read through it); me: who is signed in
   * ({userId, supervisor}, GET /me); staff: the StaffDirectory (names, and
   * whom to assign to); limits: the server's (limitsOf); clock: the
   * ServerClock (how long an urgent conversation has waited); els: the view's
   * elements; onRead(id) after the counsellor read a conversation;
   * onConversation(conversation) after a change this view made (claim,
   * assign, close); confirmClose() resolves to true when the counsellor
   * confirms; cannedReplies: the service's [{label, text}]; onOpenId(id)
   * opens another conversation (a link of the client's history).
   */
  constructor({ api, socket, me, staff, limits, clock, els, onRead, onConversation, confirmClose, cannedReplies = [], onOpenId = () => {} }) {
    this.api = api;
    this.clock = clock;
    this.socket = socket;
    this.me = me;
    this.staff = staff;
    this.nameOf = (id) => staff.name(id);
    this.limits = limits;
    this.els = els;
    this.onRead = onRead;
    this.onConversation = onConversation;
    this.confirmClose = confirmClose;
    this.onOpenId = onOpenId;
    // detail is what only GET /conversations/{id} says of the open
    // conversation: the feedback comment and the client's history.
    this.detail = null;
    // One Conversation per conversation opened, kept when the counsellor
    // opens another: a reply still waiting (offline) is sent when the feed
    // is back, whichever conversation is on screen then.
    this.models = new Map();
    this.model = null;
    this.cursor = null;
    // reassigned: the open conversation was the reader's to read and is a colleague's now.
    this.reassigned = false;
    this.typer = new Typing((typing) => !!this.model && !!this.socket && this.socket.send({ action: Action.Typing, conversationId: this.model.id, typing }));
    this.generation = 0;

    bindComposer(els.composer, els.input, (body) => this.send(body));
    els.input.addEventListener('input', () => this.typed());
    els.older.addEventListener('click', () => this.loadOlder());
    els.claim.addEventListener('click', () => this.claim());
    els.composerClaimButton.addEventListener('click', () => this.claim());
    this.canned = new CannedPicker({ input: els.input, replies: cannedReplies, host: els.cannedHost, onInsert: () => this.typed() });
    show(els.composerHint, cannedReplies.length > 0);
    els.close.addEventListener('click', () => this.closeSession());
    this.assignControl = new AssignControl({ els: { form: els.assignForm, select: els.assignTo }, onAssign: (to) => this.assign(to) });
    this.riskControl = new RiskControl({
      els: { panel: els.riskPanel, form: els.riskForm, level: els.riskLevel, reason: els.riskReason },
      onSet: (level, reason) => this.setRisk(level, reason),
      onMissingReason: () => this.error('Choose a reason for the new level.'),
    });
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

  /** meId is the signed-in person's id (null when signed out). */
  get meId() { return this.me ? this.me.userId : null; }

  /** readable: the open conversation's words are the reader's to see (CanRead). */
  get readable() { return !!this.model && canRead(this.me, this.conv); }

  /** answering: the open conversation is the reader's to answer (waiting, or theirs). */
  get answering() { return !!this.model && answers(this.me, this.conv); }

  /** posting: the open conversation is assigned to the reader, who may reply in it (CanPost). */
  get posting() { return !!this.model && canPost(this.me, this.conv); }

  /** isBeingRead: the conversation is open and the page is on screen. */
  isBeingRead(id) {
    return !!this.model && this.model.id === id && document.visibilityState === 'visible';
  }

  /** open shows a conversation: its newest page, then live frames. */
  async open(conv) {
    const generation = ++this.generation;
    this.reset();
    this.reassigned = false;
    // The conversation shown before keeps only what waits in its outbox.
    if (this.model && this.model.id !== conv.id) this.model.reset();
    this.model = this.modelFor(conv);
    this.model.reset(conv);
    show(this.els.placeholder, false);
    show(this.els.body, true);
    this.renderHeader();
    this.renderMessages();
    this.loadDetail(conv.id, generation);
    // A colleague's words are not asked for: the server would refuse them.
    if (!this.readable) return;
    const timeline = this.model.timeline;
    try {
      this.cursor = await olderPage(this.api, conv.id, timeline, null);
    } catch (err) {
      if (generation !== this.generation) return;
      // Assigned to a colleague since the queue last heard: say whose it is.
      if (err.status === 403) return this.refresh();
      this.error('Could not load the messages: ' + err.message);
      return;
    }
    if (generation !== this.generation) return;
    this.renderMessages();
    this.scrollToEnd();
    this.readIfVisible();
    if (this.posting && this.model.active) this.els.input.focus();
  }

  /**
   * loadDetail reads the open conversation's record as GET
   * /conversations/{id} gives it (the feedback comment, the client's other
   * permanent conversations), which the queue's listing does not carry.
   */
  async loadDetail(id, generation) {
    let conversation;
    try {
      ({ conversation } = await this.api.getConversation(id));
    } catch (err) {
      return; // the record shown stays; nothing more to say
    }
    if (generation !== this.generation || this.id !== id) return;
    this.detail = { id, feedback: conversation.feedback || null, history: conversation.history || [] };
    this.renderDetail();
  }

  /** refresh reads the open conversation's record again and shows what changed, here and in the queue. */
  async refresh() {
    const model = this.model;
    if (!model) return;
    try {
      const { conversation } = await this.api.getConversation(model.id);
      if (model === this.model) this.changeConversation(conversation);
      this.onConversation(conversation);
    } catch (err) {
      if (model === this.model) this.error('Could not read the conversation: ' + err.message);
    }
  }

  /** changeConversation takes a newer record of the open conversation (an HTTP answer). */
  changeConversation(conversation) {
    const wasReadable = this.readable;
    this.model.update(conversation);
    this.accessChanged(wasReadable);
  }

  /**
   * accessChanged shows the open conversation after its record changed
   * (claimed, assigned, closed): assigned away from the reader, its words
   * are forgotten; assigned to them, they are read; otherwise the header
   * follows.
   */
  accessChanged(wasReadable) {
    const readable = this.readable;
    if (wasReadable && !readable) {
      this.forget();
      return;
    }
    if (!wasReadable && readable) {
      this.open(this.conv);
      return;
    }
    this.renderHeader();
    this.renderMessages();
    if (!this.answering) this.typer.reset();
    this.readIfVisible();
  }

  /**
   * forget drops the open conversation's words from the page and from
   * memory (its timeline, the reply being written, what waited to be sent),
   * when it was assigned to a colleague: it shows as a colleague's from now on.
   */
  forget() {
    const old = this.model;
    const conv = old.conversation;
    const unsent = old.waiting;
    this.generation++; // a page still on its way is not shown
    this.reset();
    old.stop({ clear: true });
    old.timeline.clear();
    this.models.delete(old.id);
    this.model = this.modelFor(conv);
    this.reassigned = true;
    this.renderHeader();
    this.renderMessages();
    forgetLastMatch();
    if (unsent) this.error('Not sent: this conversation is now assigned to ' + colleagueName(conv.assignee, this.nameOf) + '.');
  }

  reset() {
    this.cursor = null;
    this.detail = null;
    if (this.canned) this.canned.close(false);
    this.typer.reset();
    setText(this.els.typing, '');
    setText(this.els.error, '');
    this.announce(null, '');
    this.els.input.value = '';
  }

  /** renamed shows the open conversation again after the staff directory learnt a name. */
  renamed() {
    if (!this.model) return;
    this.renderHeader();
    this.renderMessages();
  }

  /** closeView empties the view (sign-out: nothing can be sent any more). */
  closeView() {
    this.generation++;
    this.reset();
    this.assignControl.reset();
    this.riskControl.reset();
    for (const m of this.models.values()) m.stop({ clear: true });
    this.models.clear();
    this.model = null;
    this.els.messages.replaceChildren();
    show(this.els.body, false);
    show(this.els.placeholder, true);
    forgetLastMatch();
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
    const wasReadable = this.readable;
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
        this.accessChanged(wasReadable);
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
    // The record first: assigned elsewhere meanwhile, there is nothing to catch up.
    try {
      const { conversation } = await this.api.getConversation(model.id);
      if (generation !== this.generation) return;
      this.changeConversation(conversation);
    } catch (err) {
      if (generation === this.generation) this.error('Could not catch up: ' + err.message);
      return;
    }
    if (generation !== this.generation || !this.readable) return;
    try {
      await model.catchUp();
    } catch (err) {
      if (generation !== this.generation) return;
      if (err.status === 403) return this.refresh();
      this.error('Could not catch up: ' + err.message);
      return;
    }
    if (generation !== this.generation) return;
    this.renderHeader();
    this.renderMessages(true);
    this.readIfVisible();
  }

  /**
   * readIfVisible moves the read marker to the newest client message of a
   * conversation the reader answers (a supervisor looking at a colleague's
   * tells the client nothing).
   */
  readIfVisible() {
    if (!this.model || !this.answering || document.visibilityState !== 'visible') return;
    if (this.model.markRead()) this.onRead(this.model.id);
  }

  /** typed tells the client that the counsellor is typing, and when they stop (Typing). */
  typed() {
    if (!this.model || !this.model.active || !this.posting) return;
    this.typer.input(!this.els.input.value.trim());
  }

  /** send sends a reply (from the composer); it returns why it did not (the text stays), or null. */
  send(body) {
    if (!this.model || !this.model.active) return 'This conversation is closed.';
    if (!this.answering) return 'Assign this conversation to yourself to answer in it.';
    if (!this.posting) return 'Claim this conversation to reply.';
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
      if (model === this.model) this.changeConversation(conversation);
      else model.update(conversation);
      this.onConversation(conversation);
      if (model === this.model && this.posting) this.els.input.focus();
    } catch (err) {
      // A colleague was quicker (409): show whose it is, then why. (The
      // view holds a fresh model once the words are forgotten.)
      if (err.status === 409 && model === this.model) await this.refresh();
      if (this.id === model.id) this.error('Could not claim: ' + err.message);
    }
  }

  /** assign makes a member of staff the open conversation's assignee (supervisors). */
  async assign(to) {
    if (!this.model) return;
    if (!to) {
      this.error('Choose a colleague to assign this conversation to.');
      this.els.assignTo.focus();
      return;
    }
    const model = this.model;
    setText(this.els.error, '');
    try {
      const { conversation } = await this.api.assign(model.id, to);
      if (model === this.model) this.changeConversation(conversation);
      else model.update(conversation);
      this.onConversation(conversation);
    } catch (err) {
      if (model === this.model) this.error('Could not assign: ' + err.message);
    }
  }

  /** setRisk sets the open conversation's safeguarding level by hand, with a reason code. */
  async setRisk(level, reason) {
    if (!this.model) return;
    const model = this.model;
    setText(this.els.error, '');
    try {
      const { conversation } = await this.api.setRisk(model.id, level, reason);
      if (model === this.model) this.changeConversation(conversation);
      else model.update(conversation);
      this.onConversation(conversation);
    } catch (err) {
      if (model === this.model) this.error('Could not set the level: ' + err.message);
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
    const me = this.me;
    const active = c.status === 'active';
    const readable = this.readable;
    const answering = active && this.answering;
    setText(e.heading, clientText(c));
    setText(e.retention, retentionText(c.retention));
    e.retention.dataset.retention = c.retention;
    setText(e.claimState, assigneeText(c.assignee, this.meId, this.nameOf));
    show(e.claim, canClaim(me, c));
    show(e.close, canClose(me, c));
    this.assignControl.render(canAssign(me, c), c, this.meId, this.staff.members());
    this.renderRisk();
    this.riskControl.render(canSetRisk(me, c), c);
    show(e.closedNote, !active);
    setText(e.closedNote, active ? '' : closedText(c, this.meId, this.nameOf));
    show(e.restricted, !readable);
    setText(e.restricted, readable ? '' : (this.reassigned ? reassignedText : restrictedText)(c, this.nameOf));
    const overseen = readable && oversees(me, c);
    show(e.oversight, overseen);
    setText(e.oversightWhy, overseen && active && !answering
      ? `It is assigned to ${colleagueName(c.assignee, this.nameOf)}; to answer the client, assign it to yourself.`
      : '');
    show(e.messages, readable);
    // Staff reply in the conversations assigned to them: one waiting for a
    // counsellor shows its reply box disabled under a Claim button.
    const posting = active && this.posting;
    const mustClaim = answering && !posting;
    show(e.composerClaim, mustClaim);
    e.input.disabled = !posting;
    e.sendButton.disabled = !posting;
    e.input.placeholder = posting ? 'Write a reply. Enter sends, Shift+Enter starts a new line.' : 'Claim this conversation to reply.';
    if (mustClaim) e.input.setAttribute('aria-describedby', 'composer-claim-text');
    else if (this.canned.replies.length) e.input.setAttribute('aria-describedby', 'composer-hint');
    else e.input.removeAttribute('aria-describedby');
    if (!posting) this.canned.close(false);
    show(e.composer, answering);
    this.renderDetail();
  }

  /**
   * renderDetail shows the client's feedback on a closed conversation (its
   * rating from the record, its comment once the record was read whole)
   * and the client's other permanent conversations, as links.
   */
  renderDetail() {
    const c = this.conv;
    const e = this.els;
    if (!c) return;
    const detail = this.detail && this.detail.id === c.id ? this.detail : null;
    const feedback = (detail && detail.feedback) || c.feedback || null;
    const showFeedback = c.status !== 'active' && !!feedback && this.readable;
    show(e.feedback, showFeedback);
    if (showFeedback) {
      const words = feedbackText(feedback);
      setText(e.feedbackRating, words.rating);
      e.feedbackRating.setAttribute('aria-label', words.ratingLabel);
      setText(e.feedbackComment, words.comment);
      show(e.feedbackComment, !!words.comment);
    }
    const history = detail ? detail.history : [];
    show(e.history, history.length > 0);
    e.historyList.replaceChildren(...history.map((o) => h('li', {},
      h('button', { type: 'button', className: 'link-button', dataset: { id: o.id }, onclick: () => this.onOpenId(o.id) }, handleOf(o)),
      ' ', h('span', { className: 'muted', text: historyWhen(o) }))));
  }

  /** renderRisk shows the open conversation's level in its header (and how long an unclaimed urgent one has waited). */
  renderRisk() {
    if (!this.model) return;
    const line = riskLine(this.conv, this.clock);
    this.els.risk.replaceChildren(...(line ? [line] : []));
    show(this.els.risk, !!line);
  }

  /** renderMessages redraws the history; follow keeps the view at the end. */
  renderMessages(follow = false) {
    const list = this.els.messages;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const model = this.model;
    const readMark = model ? model.readMark() : '';
    const readable = this.readable;
    const items = model && readable ? model.items({ deleted: true }).map((m) => (m.pending ? this.renderPending(m) : this.renderMessage(m, m.id === readMark))) : [];
    list.replaceChildren(...items);
    show(this.els.older, readable && !!this.cursor);
    show(this.els.empty, readable && items.length === 0);
    if (follow || atEnd) this.scrollToEnd();
  }

  renderPending(p) {
    return h('li', { className: 'msg msg-staff msg-pending', dataset: { clientMessageId: p.clientMessageId } },
      h('p', { className: 'msg-meta' }, h('span', { className: 'msg-who', text: 'You' }), ' ', h('span', { text: 'Sending…' })),
      h('p', { className: 'msg-body', text: p.body }));
  }

  renderMessage(m, read) {
    const who = senderText(m, this.meId, this.nameOf);
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

/** historyWhen says when an earlier conversation took place: "12 Nov 2026" (and "still open"). */
function historyWhen(o) {
  const d = new Date(o.createdAt);
  const day = Number.isNaN(d.getTime()) ? '' : d.toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' });
  return o.closedAt ? day : day + ' · still open';
}
