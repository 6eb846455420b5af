// Unit tests of conversation.js, the conversation model of both clients,
// run by Node's own test runner (make test-web). Timers are mocked: the
// retry policy and the typing timeout are checked to the millisecond.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Conversation } from './conversation.js';
import { RETRY_FIRST } from './outbox.js';
import { TYPING_SHOWN_FOR } from './typing.js';

/** settled lets every pending promise callback run (the mocked timers do not cover setImmediate). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/**
 * fixture is a client's Conversation (or a counsellor's: side) of
 * conversation 'c' over a fake socket and a fake API that stores what it
 * is sent. Its server holds `stored` (oldest first); failWith makes sends
 * fail with that error's fields; changes records onChange.
 */
function fixture(t, { side = 'client', limits = {}, timers = true } = {}) {
  if (timers) t.mock.timers.enable({ apis: ['setTimeout'] });
  const f = { frames: [], posts: [], reads: [], stored: [], changes: [], failWith: null, readFails: false };
  f.socket = { isOpen: false, send(frame) { if (!this.isOpen) return false; f.frames.push(frame); return true; } };
  f.api = {
    async sendMessage(conv, clientMessageId, body) {
      f.posts.push(body);
      if (f.failWith) throw Object.assign(new Error(f.failWith.message || 'failed'), f.failWith);
      return { message: f.store(clientMessageId, body, side) };
    },
    async messages(conv, { limit, after }) {
      const list = after ? f.stored.filter((m) => m.id > after) : f.stored.slice(-limit);
      return { messages: list.map((m) => ({ ...m })), nextCursor: null };
    },
    async markRead(conv, id) {
      if (f.readFails) throw Object.assign(new Error('offline'), { status: 0 });
      f.reads.push(id);
    },
  };
  f.store = (clientMessageId, body, role) => {
    const m = { id: 'm' + String(f.stored.length).padStart(3, '0'), conversationId: 'c', senderRole: role, clientMessageId, body };
    f.stored.push(m);
    return m;
  };
  f.model = new Conversation({ api: f.api, socket: f.socket, conversation: { id: 'c', status: 'active', unread: 2 }, side, limits,
    onChange: (change) => f.changes.push(change.kind) });
  f.created = (m) => ({ type: 'message.created', conversationId: 'c', message: m });
  f.bodies = () => f.model.items().map((m) => (m.pending ? '(' + m.body + ')' : m.body));
  return f;
}

describe('Conversation takes the server frames', () => {
  test('a message from the other side shows once, as news the first time only', (t) => {
    const f = fixture(t);
    const m = f.store('s1', 'Hello', 'staff');
    assert.deepEqual(f.model.apply(f.created(m)), { kind: 'message', news: m });
    assert.deepEqual(f.model.apply(f.created(m)), { kind: 'message', news: null });
    assert.deepEqual(f.bodies(), ['Hello']);
  });

  test('frames of another conversation change nothing', (t) => {
    const f = fixture(t);
    assert.equal(f.model.apply({ type: 'message.created', conversationId: 'other', message: { id: 'x', senderRole: 'staff', body: 'no' } }), null);
    assert.equal(f.model.apply({ type: 'typing', conversationId: 'other', role: 'staff', typing: true }), null);
    assert.deepEqual(f.bodies(), []);
    assert.equal(f.model.typing, false);
  });

  test('its own message acknowledged by the server replaces the pending one', async (t) => {
    const f = fixture(t);
    f.socket.isOpen = true;
    assert.equal(f.model.send('Hi'), null);
    await settled();
    assert.deepEqual(f.bodies(), ['(Hi)']);
    const sent = f.frames[0];
    const m = f.store(sent.clientMessageId, 'Hi', 'client');
    f.model.apply(f.created(m));
    assert.deepEqual(f.bodies(), ['Hi']);
    assert.equal(f.model.waiting, false);
  });

  test('a deleted message keeps its place as a tombstone, shown only with deleted', (t) => {
    const f = fixture(t, { side: 'staff' });
    const m = f.store(null, 'take back', 'client');
    f.model.apply(f.created(m));
    assert.deepEqual(f.model.apply({ type: 'message.deleted', conversationId: 'c', messageId: m.id }), { kind: 'deleted', id: m.id });
    assert.deepEqual(f.model.items(), []);
    assert.deepEqual(f.model.items({ deleted: true }).map((x) => [x.id, x.deleted, x.body]), [[m.id, true, undefined]]);
  });

  test('the other side typing shows until news, or for TYPING_SHOWN_FOR without any', (t) => {
    const f = fixture(t);
    assert.equal(f.model.apply({ type: 'typing', conversationId: 'c', role: 'client', typing: true }), null, 'its own side is not shown');
    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: true });
    assert.equal(f.model.typing, true);
    t.mock.timers.tick(TYPING_SHOWN_FOR - 1);
    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: true }); // a reminder
    t.mock.timers.tick(TYPING_SHOWN_FOR - 1);
    assert.equal(f.model.typing, true, 'a reminder starts the time again');
    t.mock.timers.tick(1);
    assert.equal(f.model.typing, false);
    assert.deepEqual(f.changes, ['typing']);

    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: true });
    f.model.apply(f.created(f.store('s', 'Here', 'staff')));
    assert.equal(f.model.typing, false, 'the message ends it');
    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: true });
    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: false });
    assert.equal(f.model.typing, false, 'a stop ends it');
  });

  test('the read marker of the other side only moves forward and marks this side\'s newest message read', (t) => {
    const f = fixture(t, { side: 'staff' });
    const a = f.store('a', 'one', 'staff');
    const b = f.store('b', 'two', 'client');
    const c = f.store('c', 'three', 'staff');
    for (const m of [a, b, c]) f.model.apply(f.created(m));
    assert.equal(f.model.readMark(), '');
    assert.deepEqual(f.model.apply({ type: 'read', conversationId: 'c', role: 'client', messageId: b.id }), { kind: 'read' });
    assert.equal(f.model.readMark(), a.id);
    assert.equal(f.model.apply({ type: 'read', conversationId: 'c', role: 'client', messageId: a.id }), null);
    assert.equal(f.model.apply({ type: 'read', conversationId: 'c', role: 'staff', messageId: c.id }), null, 'its own side\'s marker');
    f.model.apply({ type: 'read', conversationId: 'c', role: 'client', messageId: c.id });
    assert.equal(f.model.readMark(), c.id);
  });

  test('a closed conversation ends the typing; frames keep the unread count', (t) => {
    const f = fixture(t);
    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: true });
    f.model.apply({ type: 'conversation.updated', conversation: { id: 'c', status: 'active', retention: 'permanent', unread: 0 } });
    assert.equal(f.model.conversation.retention, 'permanent');
    assert.equal(f.model.conversation.unread, 2);
    assert.equal(f.model.active, true);
    f.model.apply({ type: 'conversation.closed', conversation: { id: 'c', status: 'closed', unread: 0 } });
    assert.equal(f.model.active, false);
    assert.equal(f.model.typing, false);
  });
});

describe('Conversation sends', () => {
  test('a message over the limit is refused with the reason and not queued', (t) => {
    const f = fixture(t, { limits: { messageChars: 5 } });
    assert.equal(f.model.send('abcdef'), 'Messages can be at most 5 characters (this one has 6).');
    assert.deepEqual(f.bodies(), []);
    assert.equal(f.posts.length, 0);
  });

  test('the limit counts characters as the server does (code points), not UTF-16 units', async (t) => {
    const f = fixture(t, { limits: { messageChars: 5 } });
    assert.equal(f.model.send('🙂🙂🙂🙂🙂'), null, 'five emoji are five characters (ten UTF-16 units)');
    assert.equal(f.model.send('🙂🙂🙂🙂🙂🙂'), 'Messages can be at most 5 characters (this one has 6).');
    await settled();
    assert.deepEqual(f.posts, ['🙂🙂🙂🙂🙂']);
  });

  test('without limits from the config nothing is checked here (the server refuses)', (t) => {
    const f = fixture(t);
    assert.equal(f.model.send('x'.repeat(10000)), null);
  });

  test('a refusal frame drops the message and says why; "too fast", "access ended" and the server\'s failures keep it', async (t) => {
    const f = fixture(t);
    f.socket.isOpen = true;
    f.model.send('one');
    f.model.send('two');
    await settled();
    const cmid = (body) => f.frames.find((x) => x.body === body).clientMessageId;
    const [one, two] = [cmid('one'), cmid('two')];
    assert.deepEqual(f.model.apply({ type: 'error', code: 'rate_limited', message: 'slow down', clientMessageId: one }), { kind: 'limited' });
    assert.equal(f.model.apply({ type: 'error', code: 'unauthorized', message: 'ended', clientMessageId: one }), null);
    assert.equal(f.model.apply({ type: 'error', code: 'unavailable', message: 'try again', clientMessageId: one }), null);
    assert.equal(f.model.apply({ type: 'error', code: 'internal', message: 'try again', clientMessageId: one }), null);
    assert.deepEqual(f.bodies(), ['(one)', '(two)']);
    assert.deepEqual(f.model.apply({ type: 'error', code: 'conflict', message: 'The conversation is closed.', clientMessageId: two }),
      { kind: 'refused', refused: 'The conversation is closed.' });
    assert.deepEqual(f.bodies(), ['(one)']);
    assert.equal(f.model.apply({ type: 'error', code: 'conflict', message: 'not ours', clientMessageId: 'c-other' }), null);
  });

  test('"too fast" over the socket: the server\'s words and time are kept, and the same message goes again then', async (t) => {
    const f = fixture(t);
    f.socket.isOpen = true;
    f.model.send('quick');
    await settled();
    const cmid = f.frames[0].clientMessageId;
    const before = Date.now();
    assert.deepEqual(f.model.apply({ type: 'error', code: 'rate_limited', message: 'You are sending messages too quickly.', clientMessageId: cmid, retryAfterSeconds: 7 }),
      { kind: 'limited' });
    const { why, until } = f.model.outbox.limited;
    assert.equal(why, 'You are sending messages too quickly.');
    assert.ok(until >= before + 7000 && until <= Date.now() + 7000, 'until is 7 s from now');
    t.mock.timers.tick(6900);
    await settled();
    assert.equal(f.frames.length, 1, 'not before the server said');
    t.mock.timers.tick(200);
    await settled();
    assert.deepEqual(f.frames.map((x) => x.clientMessageId), [cmid, cmid], 'sent again, the same clientMessageId');
    assert.equal(f.model.outbox.limited, null, 'no longer limited once sent again');
  });

  test('"too fast" over HTTP: Retry-After is kept and the message sent again then', async (t) => {
    const f = fixture(t);
    f.failWith = { status: 429, code: 'rate_limited', message: 'You are sending messages too quickly.', retryAfter: 3 };
    f.model.send('quick');
    await settled();
    assert.equal(f.model.outbox.limited.why, 'You are sending messages too quickly.');
    f.failWith = null;
    t.mock.timers.tick(2900);
    await settled();
    assert.equal(f.posts.length, 1);
    t.mock.timers.tick(200);
    await settled();
    assert.equal(f.posts.length, 2);
    assert.deepEqual(f.bodies(), ['quick']);
  });

  test('a message written while the socket is down is marked with when it was written once stored', async (t) => {
    const f = fixture(t);
    f.failWith = { status: 0 };
    f.model.send('written offline');
    await settled();
    const written = f.model.outbox.list()[0].createdAt;
    f.failWith = null;
    f.socket.isOpen = true;
    await f.model.catchUp();
    f.model.send('written online');
    const sent = new Map(f.frames.map((x) => [x.clientMessageId, x.body])); // sent more than once, stored once
    for (const [id, body] of sent) f.model.apply(f.created(f.store(id, body, 'client')));
    const items = f.model.items();
    assert.deepEqual(items.map((m) => [m.body, m.writtenAt]), [['written offline', written], ['written online', undefined]]);
  });

  test('a refusal over HTTP drops the message and is told', async (t) => {
    const f = fixture(t);
    f.failWith = { status: 409, code: 'conflict', message: 'The conversation is closed.' };
    f.model.send('late');
    await settled();
    assert.deepEqual(f.bodies(), []);
    assert.deepEqual(f.changes, ['refused']);
  });

  test('offline: sent again on a timer that backs off, then stored once', async (t) => {
    const f = fixture(t);
    f.failWith = { status: 0 };
    f.model.send('while offline');
    await settled();
    assert.equal(f.posts.length, 1);
    t.mock.timers.tick(RETRY_FIRST); // the first retry comes within RETRY_FIRST
    await settled();
    assert.equal(f.posts.length, 2);
    t.mock.timers.tick(RETRY_FIRST - 1); // the second waits at least twice RETRY_FIRST / 2
    await settled();
    assert.equal(f.posts.length, 2, 'the wait grows');
    t.mock.timers.tick(RETRY_FIRST + 1);
    await settled();
    assert.equal(f.posts.length, 3);

    f.failWith = null;
    t.mock.timers.tick(4 * RETRY_FIRST);
    await settled();
    assert.equal(f.posts.length, 4);
    assert.deepEqual(f.bodies(), ['while offline']);
    assert.deepEqual(f.stored.map((m) => m.body), ['while offline']);
    t.mock.timers.tick(100 * RETRY_FIRST);
    await settled();
    assert.equal(f.posts.length, 4, 'nothing more once stored');
  });

  test('socket open: the frame is sent again until the server acknowledges it', async (t) => {
    const f = fixture(t);
    f.socket.isOpen = true;
    f.model.send('hello');
    await settled();
    t.mock.timers.tick(RETRY_FIRST);
    await settled();
    assert.equal(f.frames.length, 2);
    assert.equal(f.frames[1].clientMessageId, f.frames[0].clientMessageId, 'the same clientMessageId: stored once');
    f.model.apply(f.created(f.store(f.frames[0].clientMessageId, 'hello', 'client')));
    t.mock.timers.tick(100 * RETRY_FIRST);
    await settled();
    assert.equal(f.frames.length, 2);
  });

  test('the connection back: what was missed is read, what the server has is settled, the rest sent at once', async (t) => {
    const f = fixture(t);
    f.failWith = { status: 0 };
    f.model.send('stored before the drop');
    f.model.send('never arrived');
    await settled();
    // The first was stored, but its answer was lost with the connection.
    f.store(f.model.outbox.list()[0].clientMessageId, 'stored before the drop', 'client');
    f.store('s', 'said meanwhile', 'staff');
    f.failWith = null;
    f.socket.isOpen = true;
    await f.model.catchUp();
    assert.deepEqual(f.bodies(), ['stored before the drop', 'said meanwhile', '(never arrived)']);
    assert.deepEqual(f.frames.map((x) => x.body), ['never arrived'], 'sent at once, not on the timer');
  });

  test('a failed catch-up still sends what waits', async (t) => {
    const f = fixture(t);
    f.api.messages = async () => { throw Object.assign(new Error('offline'), { status: 0 }); };
    f.failWith = { status: 0 };
    f.model.send('waiting');
    await settled();
    f.socket.isOpen = true;
    await assert.rejects(f.model.catchUp());
    assert.deepEqual(f.frames.map((x) => x.body), ['waiting']);
  });

  test('stop ends the timers, also of a send under way; what waits stays, unless cleared', async (t) => {
    const f = fixture(t);
    f.failWith = { status: 0 };
    f.model.send('x'); // its HTTP answer comes after the stop
    f.model.apply({ type: 'typing', conversationId: 'c', role: 'staff', typing: true });
    f.model.stop();
    await settled();
    t.mock.timers.tick(100 * RETRY_FIRST);
    await settled();
    assert.equal(f.posts.length, 1, 'not sent again');
    assert.equal(f.model.typing, false);
    assert.equal(f.model.waiting, true, 'kept (the widget keeps it in sessionStorage for the next page)');
    assert.deepEqual(f.changes, [], 'nothing told after the stop');
    f.model.stop({ clear: true });
    assert.equal(f.model.waiting, false);
  });
});

describe('Conversation read state', () => {
  test('unread counts the other side\'s messages after this side\'s marker; markRead moves it once', (t) => {
    const f = fixture(t);
    f.socket.isOpen = true;
    for (const [role, body] of [['staff', 'a'], ['client', 'b'], ['staff', 'c']]) f.model.apply(f.created(f.store(null, body, role)));
    assert.equal(f.model.unread(), 2);
    assert.equal(f.model.markRead(), 'm002');
    assert.deepEqual(f.frames, [{ action: 'markRead', conversationId: 'c', messageId: 'm002' }]);
    assert.equal(f.model.unread(), 0);
    assert.equal(f.model.markRead(), null);
    f.model.seen('m001'); // another tab read less: nothing moves back
    assert.equal(f.model.unread(), 0);
  });

  test('over HTTP when the socket is down; should that fail, the marker goes back to be told again', async (t) => {
    const f = fixture(t);
    f.model.apply(f.created(f.store(null, 'a', 'staff')));
    f.readFails = true;
    assert.equal(f.model.markRead(), 'm000');
    await settled();
    assert.equal(f.model.unread(), 1);
    f.readFails = false;
    assert.equal(f.model.markRead(), 'm000');
    await settled();
    assert.deepEqual(f.reads, ['m000']);
  });

  test('a deleted message is neither unread nor marked read', (t) => {
    const f = fixture(t);
    f.socket.isOpen = true;
    f.model.apply(f.created(f.store(null, 'a', 'staff')));
    f.model.apply(f.created(f.store(null, 'b', 'staff')));
    f.model.apply({ type: 'message.deleted', conversationId: 'c', messageId: 'm001' });
    assert.equal(f.model.unread(), 1);
    assert.equal(f.model.markRead(), 'm000');
  });
});
