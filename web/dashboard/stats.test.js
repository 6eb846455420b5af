// Unit tests of stats.js's texts, run by Node's own test runner (make test-web).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statText } from './stats.js';

test('nothing to measure yet', () => {
  assert.deepEqual(statText({ activeConversations: 0, waitingConversations: 0, counsellorsOnline: 0, medianFirstResponseSeconds: null,
    medianSessionSeconds: null, satisfaction: { average: null, count: 0 } }),
  { active: '0', waiting: '0', online: '0', firstResponse: '—', session: '—', satisfaction: '—', ratings: 'no ratings' });
});

test('values', () => {
  assert.deepEqual(statText({ activeConversations: 3, waitingConversations: 1, counsellorsOnline: 2, medianFirstResponseSeconds: 75,
    medianSessionSeconds: 1800, satisfaction: { average: 4.333, count: 1 } }),
  { active: '3', waiting: '1', online: '2', firstResponse: '1 min 15 s', session: '30 min', satisfaction: '4.3 / 5', ratings: '1 rating' });
});
