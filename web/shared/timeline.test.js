// Unit tests of timeline.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline, backfill, olderPage, reread } from './timeline.js';

describe('Timeline orders and dedupes', () => {
  test('out of order arrivals are sorted by id', () => {
    const tl = new Timeline();
    for (const id of ['c', 'a', 'd', 'b']) tl.upsert({ id, body: id });
    assert.deepEqual(tl.list().map((m) => m.id), ['a', 'b', 'c', 'd']);
  });

  test('the same id twice is kept once', () => {
    const tl = new Timeline();
    assert.equal(tl.upsert({ id: 'a', body: 'x' }), 'added');
    assert.equal(tl.upsert({ id: 'a', body: 'x' }), 'same');
    assert.equal(tl.size, 1);
  });

  test('an edit updates in place', () => {
    const tl = new Timeline();
    tl.upsert({ id: 'a', body: 'x' });
    assert.equal(tl.upsert({ id: 'a', body: 'y', editedAt: 't' }), 'updated');
    assert.equal(tl.get('a').body, 'y');
    assert.equal(tl.size, 1);
  });

  test('a delete keeps the place without the body', () => {
    const tl = new Timeline();
    tl.upsert({ id: 'a', body: 'x' });
    assert.equal(tl.markDeleted('a'), true);
    assert.equal(tl.get('a').deleted, true);
    assert.equal(tl.get('a').body, undefined);
    assert.equal(tl.markDeleted('zz'), false);
  });

  test('a deleted message served again keeps no words', () => {
    const tl = new Timeline();
    tl.upsert({ id: 'a', body: 'x' });
    assert.equal(tl.upsert({ id: 'a', deleted: true }), 'updated');
    assert.equal(tl.get('a').deleted, true);
    assert.equal('body' in tl.get('a'), false);
  });

  test('clientMessageId is known once stored', () => {
    const tl = new Timeline();
    tl.upsert({ id: 'a', clientMessageId: 'c-1' });
    assert.equal(tl.hasClientMessageId('c-1'), true);
    assert.equal(tl.hasClientMessageId('c-2'), false);
  });

  test('first and last ids', () => {
    const tl = new Timeline();
    for (const id of ['b', 'c', 'a']) tl.upsert({ id });
    assert.equal(tl.firstId, 'a');
    assert.equal(tl.lastId, 'c');
  });
});

/**
 * server is a conversation of 150 messages (m000…m149) behind a fake API
 * that pages them as the HTTP API does: newest page first, oldest first in
 * a page, a cursor for the page before, or what came after a message.
 * held(from) is a timeline holding them from index from on.
 */
function server() {
  const id = (i) => 'm' + String(i).padStart(3, '0');
  const s = {
    msgs: Array.from({ length: 150 }, (_, i) => ({ id: id(i), body: 'said ' + i, editedAt: null, deleted: false })),
    calls: [],
    meanwhile: null,
  };
  s.api = {
    async messages(conv, { limit, cursor, after }) {
      s.calls.push(cursor ?? (after ? 'after ' + after : 'newest'));
      if (s.meanwhile) {
        s.meanwhile();
        s.meanwhile = null;
      }
      if (after) {
        const from = s.msgs.findIndex((m) => m.id > after);
        const page = from < 0 ? [] : s.msgs.slice(from, from + limit);
        return { messages: page.map((m) => ({ ...m })), nextCursor: null };
      }
      const end = cursor ? Number(cursor) : s.msgs.length;
      const start = Math.max(0, end - limit);
      return { messages: s.msgs.slice(start, end).map((m) => ({ ...m })), nextCursor: start > 0 ? String(start) : null };
    },
  };
  s.held = (from = 0) => {
    const tl = new Timeline();
    for (const m of s.msgs.slice(from)) tl.upsert({ ...m });
    return tl;
  };
  return s;
}

describe('reread shows what changed during a gap', () => {
  test('an edit older than the newest page is shown', async () => {
    const s = server();
    const tl = s.held();
    s.msgs[10] = { ...s.msgs[10], body: 'changed', editedAt: 't' };
    assert.equal(await reread(s.api, 'c', tl), 1);
    assert.equal(tl.get('m010').body, 'changed');
    assert.equal(tl.get('m010').editedAt, 't');
  });

  test('a message no longer served (client view of a deletion) is marked deleted', async () => {
    const s = server();
    const tl = s.held();
    s.msgs.splice(20, 1);
    assert.equal(await reread(s.api, 'c', tl), 1);
    assert.equal(tl.get('m020').deleted, true);
    assert.equal(tl.get('m020').body, undefined);
    assert.equal(tl.list().filter((m) => !m.deleted).length, 149);
  });

  test('a deletion served to staff drops the words', async () => {
    const s = server();
    const tl = s.held();
    s.msgs[30] = { id: 'm030', deleted: true, editedAt: null };
    assert.equal(await reread(s.api, 'c', tl), 1);
    assert.equal(tl.get('m030').deleted, true);
    assert.equal(tl.get('m030').body, undefined);
  });

  test('the oldest message, on the last page, is checked too', async () => {
    const s = server();
    const tl = s.held();
    s.msgs.shift();
    await reread(s.api, 'c', tl);
    assert.equal(tl.get('m000').deleted, true);
  });

  test('nothing changed: nothing reported', async () => {
    const s = server();
    const tl = s.held();
    assert.equal(await reread(s.api, 'c', tl), 0);
    assert.equal(tl.list().filter((m) => !m.deleted).length, 150);
  });

  test('pages are read back to the oldest message held, no further', async () => {
    const s = server();
    await reread(s.api, 'c', s.held(65), 30);
    assert.deepEqual(s.calls, ['newest', '120', '90']);
  });

  test('a message that arrives during the refresh is kept', async () => {
    const s = server();
    const tl = s.held();
    s.meanwhile = () => tl.upsert({ id: 'm140a', body: 'here' });
    await reread(s.api, 'c', tl);
    assert.equal(!!tl.get('m140a').deleted, false);
    assert.equal(tl.get('m140a').body, 'here');
  });

  test('an empty timeline gets the newest page', async () => {
    const s = server();
    const tl = new Timeline();
    assert.equal(await reread(s.api, 'c', tl), 100);
    assert.deepEqual(s.calls, ['newest']);
    assert.equal(tl.firstId, 'm050');
  });

  test('a gap of more than a page is filled, past what came over HTTP', async () => {
    const s = server();
    const tl = new Timeline();
    tl.upsert({ ...s.msgs[0] });
    tl.upsert({ ...s.msgs[149] });
    assert.equal(await reread(s.api, 'c', tl), 148);
    assert.equal(tl.size, 150);
    assert.deepEqual(s.calls, ['newest', '50']);
  });
});

describe('backfill and olderPage', () => {
  test('backfill gives an empty timeline the newest page', async () => {
    const s = server();
    const added = await backfill(s.api, 'c', new Timeline(), 100);
    assert.equal(added.length, 100);
    assert.deepEqual(s.calls, ['newest']);
  });

  test('backfill fetches everything after the newest message held, page by page', async () => {
    const s = server();
    const tl = s.held(10);
    s.msgs.push(...Array.from({ length: 5 }, (_, i) => ({ id: 'n' + i, body: 'new ' + i })));
    const added = await backfill(s.api, 'c', tl, 2);
    assert.deepEqual(added.map((m) => m.id), ['n0', 'n1', 'n2', 'n3', 'n4']);
    assert.deepEqual(s.calls, ['after m149', 'after n1', 'after n3']);
    assert.equal(tl.lastId, 'n4');
  });

  test('olderPage adds the page before the cursor and returns the next one', async () => {
    const s = server();
    const tl = new Timeline();
    let cursor = await olderPage(s.api, 'c', tl, null, 50);
    assert.equal(cursor, '100');
    cursor = await olderPage(s.api, 'c', tl, cursor, 50);
    cursor = await olderPage(s.api, 'c', tl, cursor, 50);
    assert.equal(cursor, null);
    assert.equal(tl.size, 150);
    assert.equal(tl.firstId, 'm000');
  });
});
