// Unit tests of queue.js's pure functions, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isNews, orderRows, summarize, urgentNews } from './queue.js';

const msg = (id, role, at) => ({ id, senderRole: role, createdAt: at, body: 'm' + id });
// row is a conversation Kim has claimed (one without a counsellor waits
// from its opening: triage.test.js).
const row = (id, last, waitingSince) => ({ conv: { id, status: 'active', assignee: 'kim', createdAt: '2026-11-26T08:00:00.000Z', lastMessageAt: last }, waitingSince });

describe('summarize', () => {
  test('waiting since the first unanswered client message', () => {
    assert.deepEqual(summarize([msg('1', 'client', 'a'), msg('2', 'staff', 'b'), msg('3', 'client', 'c'), msg('4', 'client', 'd')]),
      { last: msg('4', 'client', 'd'), waitingSince: 'c' });
  });
  test('answered', () => {
    assert.equal(summarize([msg('1', 'client', 'a'), msg('2', 'staff', 'b')]).waitingSince, null);
  });
  test('no messages', () => {
    assert.deepEqual(summarize([]), { last: null, waitingSince: null });
  });
});

describe('orderRows', () => {
  test('waiting first, longest on top, then the most recently active', () => {
    const rows = [
      row('a', '2026-11-26T10:00:00.000Z', null), row('b', '2026-11-26T09:05:00.000Z', '2026-11-26T09:05:00.000Z'),
      row('c', '2026-11-26T11:00:00.000Z', null), row('d', '2026-11-26T10:30:00.000Z', '2026-11-26T09:00:00.000Z'),
      row('e', null, null),
    ];
    assert.deepEqual(orderRows(rows).map((r) => r.conv.id), ['d', 'b', 'c', 'a', 'e']);
  });
  test("colleagues' conversations last, most recently active first", () => {
    const theirs = (r) => ({ ...r, theirs: true });
    const rows = [
      theirs(row('x', '2026-11-26T12:00:00.000Z', null)), row('a', '2026-11-26T10:00:00.000Z', null),
      theirs(row('y', '2026-11-26T12:30:00.000Z', null)), row('d', '2026-11-26T10:30:00.000Z', '2026-11-26T09:00:00.000Z'),
    ];
    assert.deepEqual(orderRows(rows).map((r) => r.conv.id), ['d', 'a', 'y', 'x']);
  });
});

describe('urgentNews', () => {
  const me = { userId: 'me', supervisor: false };
  const c = (fields) => ({ id: 'c', status: 'active', assignee: null, risk: 'urgent', ...fields });
  test('a waiting conversation just made urgent alerts everyone', () => {
    assert.equal(urgentNews(me, c({}), false), 'urgent');
    assert.equal(urgentNews({ userId: 'kai', supervisor: true }, c({}), false), 'urgent');
  });
  test("the reader's own made urgent alerts them; a colleague's does not", () => {
    assert.equal(urgentNews(me, c({ assignee: 'me' }), false), 'urgent-mine');
    assert.equal(urgentNews(me, c({ assignee: 'sam' }), false), null);
  });
  test('no news: already urgent, concern, closed', () => {
    assert.equal(urgentNews(me, c({}), true), null);
    assert.equal(urgentNews(me, c({ risk: 'concern' }), false), null);
    assert.equal(urgentNews(me, c({ status: 'closed' }), false), null);
  });
});

describe('isNews', () => {
  test('a message delivered again, or older than the newest seen, is no news', () => {
    const r = row('c1', null, null);
    assert.equal(isNews(r, msg('01B', 'client')), true);
    assert.equal(isNews(r, msg('01B', 'client')), false, 'the same message again');
    assert.equal(isNews(r, msg('01A', 'client')), false, 'an older one');
    assert.equal(isNews(r, msg('01C', 'staff')), true);
  });
  test("a row loaded with its last message knows it already", () => {
    const r = { ...row('c1', null, null), last: msg('01B', 'client') };
    assert.equal(isNews(r, msg('01B', 'client')), false);
    assert.equal(isNews(r, msg('01C', 'client')), true);
  });
});
