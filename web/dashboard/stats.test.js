// Unit tests of stats.js's texts, run by Node's own test runner (make test-web).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statText, urgentToClaimText } from './stats.js';

test('nothing to measure yet', () => {
  assert.deepEqual(statText({ activeConversations: 0, waitingConversations: 0, counsellorsOnline: 0, medianFirstResponseSeconds: null,
    medianSessionSeconds: null, satisfaction: { average: null, count: 0 } }),
  { active: '0', waiting: '0', online: '0', firstResponse: '—', session: '—', satisfaction: '—', ratings: 'no ratings', urgentToClaim: 'none yet', urgentWaiting: '—' });
});

test('values', () => {
  assert.deepEqual(statText({ activeConversations: 3, waitingConversations: 1, counsellorsOnline: 2, medianFirstResponseSeconds: 75,
    medianSessionSeconds: 1800, satisfaction: { average: 4.333, count: 1 }, urgentToClaim: { medianSeconds: 120, p90Seconds: 330, count: 4 }, urgentWaiting: 1 }),
  { active: '3', waiting: '1', online: '2', firstResponse: '1 min 15 s', session: '30 min', satisfaction: '4.3 / 5', ratings: '1 rating',
    urgentToClaim: 'median 2 min, 90% within 6 min', urgentWaiting: '1' });
});

test('urgent to claim: none yet, then the median and the 90th percentile', () => {
  assert.equal(urgentToClaimText(undefined), 'none yet');
  assert.equal(urgentToClaimText({ medianSeconds: null, p90Seconds: null, count: 0 }), 'none yet');
  assert.equal(urgentToClaimText({ medianSeconds: 45, p90Seconds: 45, count: 1 }), 'median 45 s, 90% within 45 s');
  assert.equal(urgentToClaimText({ medianSeconds: 242, p90Seconds: 3725, count: 9 }), 'median 4 min, 90% within 1 h 2 min');
});
