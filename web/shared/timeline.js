// A conversation's messages as a client holds them: in order, each once,
// and the reads that fill them from the HTTP API (the newest page, the page
// before, what came after, and the whole re-read after a reconnect).
// Plain ES module, no dependencies.

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
