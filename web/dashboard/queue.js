// The queue: every active conversation (closed ones under a filter) in the
// order to answer them (triage.js's answerOrder: urgent, then concern, each
// level's longest-waiting on top), each with its safeguarding badge, kept
// live from the staff feed. Unread counts and alerts are for the
// conversations the signed-in person looks after (waiting ones and their
// own: access.js's answers), colleagues' conversations are listed after
// them by their record alone, with whom they are assigned to; words
// (previews) and waiting times are read only where reading is not recorded
// (access.js's queueReads: a supervisor's queue reads their own only).

import { h, setText, show } from '../shared/dom.js';
import { Frame, Role } from '../shared/frames.js';
import { waitingText } from './time.js';
import { assigneeText, clientText, forgetLastMatch, previewText } from './labels.js';
import { answers, canRead, isMine, queueReads, waitingForCounsellor } from './access.js';
import { Risk, answerOrder, riskOf, urgentWaiting, waitingOf } from './triage.js';
import { riskLine } from './risk.js';

/** summaryPage is how many recent messages are read to summarise a row. */
const summaryPage = 10;
/** listPage is how many conversations one queue request asks for. */
const listPage = 50;

/**
 * summarize reads a conversation's recent messages (oldest first): the last
 * one, and since when the client has waited, which is the first client
 * message after the last counsellor message (null when not waiting).
 */
export function summarize(messages) {
  const last = messages.length ? messages[messages.length - 1] : null;
  let waitingSince = null;
  for (let i = messages.length - 1; i >= 0 && messages[i].senderRole === Role.Client; i--) waitingSince = messages[i].createdAt;
  return { last, waitingSince };
}

/**
 * orderRows puts the rows in the order to answer them (answerOrder):
 * colleagues' conversations (rows with theirs set) last; urgent, then
 * concern, then the rest; in each, waiting ones first, longest-waiting on
 * top, then the others, most recently active first.
 */
export function orderRows(rows) {
  return rows.slice().sort(answerOrder);
}

/** Queue is the list of conversations on the left of the dashboard. */
export class Queue {
  /**
   * api: the protocol Api; clock: a ServerClock; me: who is signed in
   * ({userId, supervisor}, GET /me); nameOf(id): a colleague's name or null
   * (the staff directory); els: {list, more, empty, status};
   * onOpen(conversation) when a row is chosen; isBeingRead(id): whether the
   * counsellor is looking at that conversation now; onRendered() after
   * each redraw (the urgent banner follows the rows).
   */
  constructor({ api, clock, me, nameOf, els, onOpen, isBeingRead, onRendered = () => {} }) {
    this.onRendered = onRendered;
    this.api = api;
    this.clock = clock;
    this.me = me;
    this.nameOf = nameOf;
    this.els = els;
    this.onOpen = onOpen;
    this.isBeingRead = isBeingRead;
    this.rows = new Map();
    this.filter = 'active';
    this.cursor = { active: null, closed: null };
    this.pages = { active: 0, closed: 0 };
    this.selectedId = null;
    this.generation = 0;
    // news counts the feed's changes; each row keeps the count of its last one.
    this.news = 0;
  }

  /** row returns the queue's row for a conversation, if loaded. */
  row(id) { return this.rows.get(id) || null; }

  /**
   * load (re)reads the first pages of a filter ('active' or 'closed') from
   * the API, replacing what the queue knew about conversations of that
   * status; rows are then summarised from their latest messages.
   */
  async load(filter = this.filter, pages = 1) {
    this.filter = filter;
    const generation = ++this.generation;
    const since = this.news;
    setText(this.els.status, 'Loading…');
    const listed = [];
    let cursor = null;
    let read = 0;
    try {
      do {
        const page = await this.api.listConversations({ status: filter, cursor, limit: listPage });
        if (generation !== this.generation) return;
        listed.push(...page.conversations);
        cursor = page.nextCursor || null;
        read++;
      } while (cursor && read < pages);
    } catch (err) {
      if (generation === this.generation) setText(this.els.status, 'Could not load the queue: ' + err.message);
      return;
    }
    if (filter === 'active') {
      const atRisk = await this.atRisk(listed);
      if (generation !== this.generation) return;
      listed.push(...atRisk);
    }
    // Rows the feed changed while the listing was read know better than it.
    const fresh = (id) => { const row = this.rows.get(id); return row && row.news > since; };
    const ids = new Set(listed.map((c) => c.id));
    for (const [id, row] of this.rows) if (row.conv.status === filter && !ids.has(id) && !fresh(id)) this.rows.delete(id);
    for (const c of listed) if (!fresh(c.id)) this.upsertConversation(c, true);
    this.cursor[filter] = cursor;
    this.pages[filter] = read;
    setText(this.els.status, '');
    this.render();
    await this.summarizeRows(this.readable(listed));
  }

  /**
   * atRisk lists the urgent and concern conversations the pages read did
   * not reach (GET /queue lists them first), so a conversation at risk is
   * on top of the queue however many are active; none when it cannot say.
   */
  async atRisk(listed) {
    const seen = new Set(listed.map((c) => c.id));
    try {
      const { conversations } = await this.api.queue();
      return conversations.filter((c) => riskOf(c) !== Risk.None && !seen.has(c.id));
    } catch (err) {
      return [];
    }
  }

  /** readable lists the ids of the conversations whose words the queue reads (queueReads). */
  readable(conversations) {
    return conversations.filter((c) => queueReads(this.me, c)).map((c) => c.id);
  }

  /** more reads the next page of the current filter. */
  async more() {
    const filter = this.filter;
    const cursor = this.cursor[filter];
    if (!cursor) return;
    let page;
    try {
      page = await this.api.listConversations({ status: filter, cursor, limit: listPage });
    } catch (err) {
      setText(this.els.status, 'Could not load more: ' + err.message);
      return;
    }
    for (const c of page.conversations) this.upsertConversation(c, true);
    this.cursor[filter] = page.nextCursor || null;
    this.pages[filter]++;
    this.render();
    await this.summarizeRows(this.readable(page.conversations));
  }

  /** reload re-reads as many pages as were shown (after a reconnect). */
  reload() { return this.load(this.filter, Math.max(1, this.pages[this.filter])); }

  async summarizeRows(ids) {
    const queue = ids.slice();
    const worker = async () => {
      while (queue.length) {
        const id = queue.shift();
        try {
          const { messages } = await this.api.messages(id, { limit: summaryPage });
          this.applySummary(id, summarize(messages));
        } catch (err) {
          /* the row keeps its placeholder preview */
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    this.render();
  }

  applySummary(id, s) {
    const row = this.rows.get(id);
    if (!row || !row.reads) return;
    // A live frame may have told us about a newer message meanwhile.
    if (row.last && s.last && row.last.id > s.last.id) return;
    row.last = s.last;
    row.summarized = true;
    row.waitingSince = row.conv.status === 'active' ? s.waitingSince : null;
    if (s.last) this.clock.observe(s.last.createdAt);
  }

  /**
   * upsertConversation adds or updates a row. Only HTTP answers carry the
   * reader's unread count (frames always say 0). A row the queue no longer
   * reads (assigned to a colleague) forgets its words; one it reads from
   * now on (assigned to the reader) is summarised.
   */
  upsertConversation(c, fromHttp = false) {
    let row = this.rows.get(c.id);
    if (!row) {
      row = { conv: c, last: null, waitingSince: null, unread: 0, summarized: false, news: 0, theirs: false, reads: true };
      this.rows.set(c.id, row);
    }
    row.conv = { ...row.conv, ...c };
    if (fromHttp) row.unread = c.unread || 0;
    if (row.conv.status !== 'active') row.waitingSince = null;
    const reads = queueReads(this.me, row.conv);
    if (!reads) {
      if (row.last) forgetLastMatch();
      row.last = null;
      row.waitingSince = null;
      row.summarized = true;
    } else if (!row.reads && !fromHttp) {
      // Assigned to the reader now: its words are theirs to see.
      row.summarized = false;
      this.summarizeRows([c.id]);
    }
    row.reads = reads;
    row.theirs = !answers(this.me, row.conv);
    if (row.theirs) row.unread = 0;
    this.clock.observe(c.lastMessageAt || c.createdAt);
    return row;
  }

  /**
   * apply takes a staff feed frame; it returns the row it changed (or null)
   * and the news that deserves an alert: 'conversation' (a client started
   * one), 'message' (a client wrote in one the reader answers), 'assigned'
   * (one became the reader's), or null.
   */
  async apply(frame) {
    const out = await this.applyFrame(frame);
    if (out.row) out.row.news = ++this.news;
    return out;
  }

  async applyFrame(frame) {
    switch (frame.type) {
      case Frame.ConversationCreated: {
        const row = this.upsertConversation(frame.conversation);
        row.summarized = true; // a new conversation has no messages yet
        return { row, alert: 'conversation' };
      }
      case Frame.ConversationUpdated: {
        // Assigned to the reader by someone else (a supervisor): news for them,
        // though no words came with it.
        const before = this.rows.get(frame.conversation.id);
        const wasMine = !!before && isMine(this.me, before.conv);
        const wasUrgent = !!before && riskOf(before.conv) === Risk.Urgent;
        const row = this.upsertConversation(frame.conversation);
        return { row, alert: urgentNews(this.me, row.conv, wasUrgent) || (!wasMine && isMine(this.me, row.conv) && row.conv.status === 'active' ? 'assigned' : null) };
      }
      case Frame.ConversationClosed:
        return { row: this.upsertConversation(frame.conversation), alert: null };
      case Frame.MessageCreated:
        return this.applyMessage(frame.conversationId, frame.message);
      case Frame.MessageUpdated: {
        const row = this.rows.get(frame.conversationId);
        if (row && row.last && row.last.id === frame.message.id) row.last = frame.message;
        return { row, alert: null };
      }
      case Frame.MessageDeleted: {
        const row = this.rows.get(frame.conversationId);
        if (row && row.last && row.last.id === frame.messageId) row.last = { ...row.last, deleted: true, body: undefined };
        return { row, alert: null };
      }
      default:
        return { row: null, alert: null };
    }
  }

  async applyMessage(conversationId, m) {
    let row = this.rows.get(conversationId);
    if (!row) {
      // A conversation beyond the loaded pages became active again.
      try {
        const { conversation } = await this.api.getConversation(conversationId);
        row = this.upsertConversation(conversation, true);
        if (!row.reads) return { row, alert: !row.theirs && m.senderRole === Role.Client ? 'message' : null };
        row.last = m;
        row.summarized = true;
        row.waitingSince = m.senderRole === Role.Client && conversation.status === 'active' ? m.createdAt : null;
        return { row, alert: m.senderRole === Role.Client ? 'message' : null };
      } catch (err) {
        return { row: null, alert: null };
      }
    }
    if (!isNews(row, m)) return { row, alert: null };
    this.clock.observe(m.createdAt);
    // The record's waitingSince follows the feed (frames of messages carry no record).
    if (m.senderRole === Role.Client) {
      if (!row.conv.waitingSince && row.conv.status === 'active') row.conv = { ...row.conv, waitingSince: m.createdAt };
    } else if (row.conv.waitingSince) {
      row.conv = { ...row.conv, waitingSince: null };
    }
    if (!row.reads) {
      // A supervisor's feed carries every conversation's messages: the row's
      // activity moves, its words stay out of the queue; one waiting for a
      // counsellor still counts and alerts.
      if (!row.conv.lastMessageAt || row.conv.lastMessageAt < m.createdAt) row.conv = { ...row.conv, lastMessageAt: m.createdAt };
      if (row.theirs || m.senderRole !== Role.Client) return { row, alert: null };
      if (!this.isBeingRead(conversationId)) row.unread++;
      return { row, alert: 'message' };
    }
    row.last = m;
    row.conv = { ...row.conv, lastMessageAt: m.createdAt };
    if (m.senderRole === Role.Client) {
      if (!row.waitingSince && row.conv.status === 'active') row.waitingSince = m.createdAt;
      if (!this.isBeingRead(conversationId)) row.unread++;
      return { row, alert: 'message' };
    }
    row.waitingSince = null;
    return { row, alert: null };
  }

  /** markRead clears a row's unread count (the counsellor read it). */
  markRead(id) {
    const row = this.rows.get(id);
    if (row && row.unread) {
      row.unread = 0;
      this.render();
    }
  }

  /**
   * urgentRows are the urgent conversations waiting for a counsellor to
   * claim them, the one urgent longest first (the alert banner's).
   */
  urgentRows() {
    return [...this.rows.values()].filter((r) => urgentWaiting(r.conv))
      .sort((a, b) => (Date.parse(a.conv.riskAt) || 0) - (Date.parse(b.conv.riskAt) || 0) || (a.conv.id < b.conv.id ? -1 : 1));
  }

  /** unreadTotal is the number of unread client messages in the active rows the reader answers. */
  unreadTotal() {
    let n = 0;
    for (const row of this.rows.values()) if (row.conv.status === 'active' && !row.theirs) n += row.unread;
    return n;
  }

  /** select marks the row of the open conversation. */
  select(id) {
    this.selectedId = id;
    this.render();
    const selected = this.els.list.querySelector('[aria-current="true"]');
    if (selected) selected.scrollIntoView({ block: 'nearest' });
  }

  /** setFilter shows active or closed conversations. */
  setFilter(filter) {
    if (filter === this.filter && this.pages[filter]) return Promise.resolve();
    return this.load(filter, 1);
  }

  /** clear forgets every row (sign-out). */
  clear() {
    this.generation++;
    this.rows.clear();
    this.els.list.replaceChildren();
    this.onRendered();
  }

  /** render redraws the list (cheap: a queue is tens of rows). */
  render() {
    const { list, more, empty } = this.els;
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('#' + list.id + ' [data-id]') : null;
    const focusedId = focused ? focused.dataset.id : null;
    // A closed conversation is listed only to those who may read it (as GET
    // /conversations lists them), though the feed tells everyone it closed.
    const rows = orderRows([...this.rows.values()].filter((r) => r.conv.status === this.filter
      && (r.conv.status === 'active' || canRead(this.me, r.conv))));
    list.replaceChildren(...rows.map((r) => this.renderRow(r)));
    show(empty, rows.length === 0);
    show(more, !!this.cursor[this.filter]);
    if (focusedId) {
      const again = list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
    this.onRendered();
  }

  renderRow(row) {
    const c = row.conv;
    // A colleague's conversation shows no waiting time: it is theirs to answer.
    const since = row.theirs ? null : waitingOf(row);
    const waiting = since ? waitingText(this.clock.since(since)) : null;
    const meId = this.me ? this.me.userId : null;
    const meta = [assigneeText(c.assignee, meId, this.nameOf), c.retention === 'permanent' ? 'Kept permanently' : '24-hour'];
    if (c.userDeleted) meta.push('Deleted by the client from their view');
    const classes = ['row'];
    if (waiting) classes.push('row-waiting');
    if (riskOf(c) !== Risk.None) classes.push('row-' + riskOf(c));
    if (meId && c.assignee === meId) classes.push('row-mine');
    if (row.theirs) classes.push('row-theirs');
    const button = h('button', {
      type: 'button', className: classes.join(' '), dataset: { id: c.id },
      'aria-current': c.id === this.selectedId ? 'true' : null,
      onclick: () => this.onOpen(row.conv),
    },
    h('span', { className: 'row-line' },
      h('span', { className: 'row-who', text: clientText(c) }),
      row.unread ? h('span', { className: 'row-unread', text: String(row.unread), 'aria-label': row.unread + ' unread' }) : null),
    riskLine(c, this.clock),
    waiting ? h('span', { className: 'row-wait', text: waiting }) : null,
    row.reads ? h('span', { className: 'row-preview', text: row.summarized || row.last ? previewText(row.last) : '…' }) : null,
    h('span', { className: 'row-meta', text: meta.join(' · ') }));
    return h('li', { className: 'row-item' }, button);
  }
}

/**
 * isNews says whether message m is news to queue row row, and remembers
 * it: a message.created may come again (a resend is delivered again, at
 * least once), and one the row has seen, or one older than the newest it
 * has, changes nothing (no unread, no alert, no waiting since).
 */
export function isNews(row, m) {
  const seen = row.seenId || (row.last && row.last.id) || '';
  if (seen && m.id <= seen) return false;
  row.seenId = m.id;
  return true;
}

/**
 * urgentNews is the alert a conversation's new record deserves when it has
 * just become urgent: 'urgent' when it waits for a counsellor (every member
 * of staff may claim it), 'urgent-mine' when it is the reader's own; null
 * otherwise (a colleague's: they are alerted).
 */
export function urgentNews(me, c, wasUrgent) {
  if (wasUrgent || riskOf(c) !== Risk.Urgent || c.status !== 'active') return null;
  if (waitingForCounsellor(c)) return 'urgent';
  return isMine(me, c) ? 'urgent-mine' : null;
}
