// Unit tests of outbox.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, RETRY_FIRST, RETRY_MAX, retryable, retryDelay } from './outbox.js';
import { Timeline } from './timeline.js';

/**
 * fakes are a socket and an API for an Outbox, recording what they were
 * asked; failWith makes the API's sends fail with that error's fields.
 */
function fakes() {
  const f = { sent: [], posted: [], failWith: null };
  f.socket = { isOpen: false, send(frame) { f.sent.push(frame); return true; } };
  f.api = {
    async sendMessage(conv, cmid, body) {
      if (f.failWith) throw Object.assign(new Error('refused'), f.failWith);
      f.posted.push({ cmid, body });
      return { message: { id: 'm-' + f.posted.length, clientMessageId: cmid, body } };
    },
  };
  f.storage = { data: {}, getItem(k) { return this.data[k] ?? null; }, setItem(k, v) { this.data[k] = v; }, removeItem(k) { delete this.data[k]; } };
  f.box = (key = null, options = {}) => new Outbox({ api: f.api, socket: f.socket, conversationId: 'c', storageKey: key, storage: f.storage, ...options });
  return f;
}

describe('Outbox sends each message once', () => {
  test('socket open: sent as a frame and pending until acknowledged', async () => {
    const f = fakes();
    f.socket.isOpen = true;
    const b = f.box();
    const e = b.add('hi');
    await b.sending;
    assert.deepEqual(f.sent, [{ action: 'sendMessage', conversationId: 'c', clientMessageId: e.clientMessageId, body: 'hi' }]);
    assert.equal(f.posted.length, 0);
    assert.equal(b.list().length, 1);
    assert.equal(b.acknowledge(e.clientMessageId), true);
    assert.equal(b.list().length, 0);
    assert.equal(b.acknowledge(e.clientMessageId), false);
  });

  test('socket closed: sent over HTTP and done', async () => {
    const f = fakes();
    const b = f.box();
    b.add('hi');
    const stored = await b.sending;
    assert.equal(f.sent.length, 0);
    assert.equal(f.posted.length, 1);
    assert.equal(b.list().length, 0);
    assert.equal(stored.length, 1);
  });

  test('a flush while one is sending posts the message once', async () => {
    const f = fakes();
    const b = f.box();
    b.add('hi');
    await b.flush();
    await b.sending;
    assert.equal(f.posted.length, 1);
    assert.equal(b.list().length, 0);
  });

  test('network error: kept for later, same clientMessageId', async () => {
    const f = fakes();
    f.failWith = { status: 0 };
    const b = f.box();
    const e = b.add('hi');
    assert.deepEqual(await b.sending, []);
    assert.equal(b.list().length, 1);
    f.failWith = null;
    await b.flush();
    assert.deepEqual(f.posted, [{ cmid: e.clientMessageId, body: 'hi' }]);
  });

  test('rate limited and server errors: kept', async () => {
    for (const status of [429, 500, 503]) {
      const f = fakes();
      f.failWith = { status };
      const b = f.box();
      b.add('hi');
      await b.sending;
      assert.equal(b.list().length, 1, `status ${status}`);
    }
  });

  test('refused: dropped with its clientMessageId', async () => {
    const f = fakes();
    f.failWith = { status: 413, code: 'message_too_long' };
    const b = f.box();
    const e = b.add('x');
    const err = await b.sending.catch((x) => x);
    assert.equal(b.list().length, 0);
    assert.equal(err.clientMessageId, e.clientMessageId);
  });

  test('settle drops what the timeline already holds', async () => {
    const f = fakes();
    f.failWith = { status: 0 };
    const b = f.box();
    const e1 = b.add('one');
    b.add('keep');
    await b.flush();
    const tl = new Timeline();
    tl.upsert({ id: 'm1', clientMessageId: e1.clientMessageId, body: 'one' });
    b.settle(tl);
    assert.deepEqual(b.list().map((p) => p.body), ['keep']);
  });

  test('persisted in storage and restored', async () => {
    const f = fakes();
    f.failWith = { status: 0 };
    const b = f.box('k');
    b.add('hi');
    await b.sending;
    const again = f.box('k');
    assert.deepEqual(again.list().map((p) => p.body), ['hi']);
    again.clear();
    assert.equal(f.box('k').list().length, 0);
  });

  test('a frame over the server frame limit goes over HTTP, even with the socket open', async () => {
    const f = fakes();
    f.socket.isOpen = true;
    const b = f.box(null, { frameBytes: 200 });
    b.add('small');
    const big = 'é'.repeat(100); // 100 characters, 200 bytes of UTF-8: with the frame's other fields, over 200
    b.add(big);
    await b.sending;
    assert.deepEqual(f.sent.map((s) => s.body), ['small', 'small'], 'the small one goes as a frame (each flush sends what waits)');
    assert.deepEqual(f.posted.map((p) => p.body), [big]);
  });
});

describe('retryDelay', () => {
  test('starts at the first wait, doubles, and stops at the most', () => {
    assert.equal(retryDelay(0, () => 1), RETRY_FIRST);
    assert.equal(retryDelay(0, () => 0), RETRY_FIRST / 2);
    assert.equal(retryDelay(1, () => 1), RETRY_FIRST * 2);
    assert.equal(retryDelay(3, () => 1), RETRY_FIRST * 8);
    assert.equal(retryDelay(50, () => 1), RETRY_MAX);
    assert.equal(retryDelay(50, () => 0), RETRY_MAX / 2);
  });
});

describe('retryable', () => {
  test('the moment refused, not the message: sent again with the same clientMessageId', () => {
    for (const code of ['rate_limited', 'unauthorized', 'unavailable', 'internal']) assert.equal(retryable(code), true, code);
  });
  test('a refusal retrying cannot fix drops the message', () => {
    for (const code of ['bad_request', 'conflict', 'not_found', 'forbidden', 'empty_message', 'message_too_long', 'payload_too_large', undefined]) {
      assert.equal(retryable(code), false, String(code));
    }
  });
});
