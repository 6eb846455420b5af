// Unit tests of triage.js (the risk's words and the queue's one order), run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answerOrder, categoryText, riskLabel, riskOf, riskReasons, urgentWaitText, urgentWaiting, waitingOf } from './triage.js';

const at = (min) => new Date(Date.UTC(2026, 10, 26, 9, min)).toISOString();
const conv = (id, fields = {}) => ({ id, status: 'active', createdAt: at(0), lastMessageAt: null, assignee: null, ...fields });
const row = (id, fields, rest = {}) => ({ conv: conv(id, fields), waitingSince: null, theirs: false, ...rest });
const order = (rows) => rows.slice().sort(answerOrder).map((r) => r.conv.id);
// kims is a row of a conversation Kim has claimed: it waits only while its
// client's message is unanswered.
const kims = (id, fields, rest) => row(id, { assignee: 'kim', ...fields }, rest);

describe('answerOrder', () => {
  test('urgent first, then concern, then the rest, whatever the waiting', () => {
    assert.deepEqual(order([
      kims('none-long', { waitingSince: at(1) }),
      kims('concern', { risk: 'concern', waitingSince: at(30) }),
      kims('urgent-answered', { risk: 'urgent', lastMessageAt: at(40) }),
      kims('urgent', { risk: 'urgent', waitingSince: at(50) }),
    ]), ['urgent', 'urgent-answered', 'concern', 'none-long']);
  });
  test('within a level, the longest waiting on top, then the others most recently active first', () => {
    assert.deepEqual(order([
      kims('quiet-old', { lastMessageAt: at(2) }),
      kims('waits-short', { waitingSince: at(20) }),
      kims('quiet-new', { lastMessageAt: at(25) }),
      kims('waits-long', { waitingSince: at(5) }),
    ]), ['waits-long', 'waits-short', 'quiet-new', 'quiet-old']);
  });
  test('a conversation without a counsellor waits from its opening, whatever its client writes since', () => {
    assert.deepEqual(order([
      row('opened-later', { createdAt: at(8) }),
      kims('answer-awaited', { waitingSince: at(6) }),
      row('opened-first-wrote-again', { createdAt: at(4), waitingSince: at(30), lastMessageAt: at(30) }),
      kims('answered', { lastMessageAt: at(1) }),
    ]), ['opened-first-wrote-again', 'answer-awaited', 'opened-later', 'answered']);
  });
  test("the queue's own reading of a row's messages counts as its waiting", () => {
    assert.deepEqual(order([kims('record', { waitingSince: at(10) }), kims('read', {}, { waitingSince: at(3) })]), ['read', 'record']);
  });
  test("colleagues' conversations last, urgent or not", () => {
    assert.deepEqual(order([
      row('theirs-urgent', { risk: 'urgent', assignee: 'sam' }, { theirs: true }),
      kims('mine', { lastMessageAt: at(3) }),
      row('theirs', { assignee: 'sam', lastMessageAt: at(9) }, { theirs: true }),
    ]), ['mine', 'theirs-urgent', 'theirs']);
  });
  test('an unknown level is none', () => {
    assert.deepEqual(order([kims('odd', { risk: 'severe', waitingSince: at(9) }), kims('plain', { waitingSince: at(1) })]), ['plain', 'odd']);
  });
});

test('waitingOf: nobody waits in a closed conversation', () => {
  assert.equal(waitingOf(row('x', { waitingSince: at(1) })), at(1));
  assert.equal(waitingOf(row('x', { status: 'closed', waitingSince: at(1) })), null);
});

test('the badge, its reason and the urgent wait', () => {
  assert.equal(riskLabel(riskOf(conv('a', { risk: 'urgent' }))), 'Urgent');
  assert.equal(riskLabel(riskOf(conv('a', { risk: 'concern' }))), 'Concern');
  assert.equal(riskLabel(riskOf(conv('a'))), '');
  assert.equal(categoryText(conv('a', { risk: 'urgent', riskCategory: 'act' })), 'act in progress');
  assert.equal(categoryText(conv('a', { risk: 'concern', riskCategory: 'self-harm' })), 'self-harm');
  assert.equal(categoryText(conv('a', { risk: 'concern', riskCategory: 'local-rule' })), 'local-rule');
  assert.equal(categoryText(conv('a', { risk: 'urgent', riskCategory: '' })), 'set by staff');
  assert.equal(categoryText(conv('a', { riskCategory: 'means' })), '');
  assert.deepEqual([0, 59e3, 4 * 60e3 + 5e3, 75 * 60e3].map(urgentWaitText), ['urgent < 1 min', 'urgent < 1 min', 'urgent 4 min', 'urgent 1 h 15 min']);
});

test('urgentWaiting: urgent, active and unclaimed', () => {
  assert.equal(urgentWaiting(conv('a', { risk: 'urgent' })), true);
  assert.equal(urgentWaiting(conv('a', { risk: 'urgent', assignee: 'sam' })), false);
  assert.equal(urgentWaiting(conv('a', { risk: 'urgent', status: 'closed' })), false);
  assert.equal(urgentWaiting(conv('a', { risk: 'concern' })), false);
});

test("the reason codes are the server's five", () => {
  assert.deepEqual(riskReasons.map((r) => r.value),
    ['assessed-in-conversation', 'disclosed-to-counsellor', 'screening-false-alarm', 'risk-resolved', 'safeguarding-referral']);
});
