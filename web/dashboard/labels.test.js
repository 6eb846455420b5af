// Unit tests of labels.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { claimText, previewText, retentionText } from './labels.js';

describe('previewText', () => {
  test('a deleted message', () => assert.equal(previewText({ senderRole: 'client', deleted: true }), 'Message deleted'));
  test('a counsellor message, on one line', () => assert.equal(previewText({ senderRole: 'staff', body: ' two\n\nlines ' }), 'Counsellor: two lines'));
  test('a long message is cut for the preview', () => assert.equal(previewText({ senderRole: 'client', body: 'x'.repeat(500) }).length, 120));
});

test('claimText', () => {
  assert.deepEqual([claimText(null, 'me'), claimText('me', 'me'), claimText('0123456789abcdef', 'me')],
    ['Unclaimed', 'Claimed by you', 'Claimed by colleague 89abcdef']);
});

test('retentionText', () => {
  assert.deepEqual([retentionText('24h'), retentionText('permanent')], ['24-hour: deleted 24 h after each message', 'Kept permanently']);
});
