import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRepliesOf, filterReplies, isOpener } from './canned.js';

const replies = [
  { label: 'Greeting', text: "Hello, I'm here and listening." },
  { label: 'Crisis lines', text: 'If you are in danger, call the crisis line.' },
  { label: 'Closing', text: 'Thank you for talking with me. Take care.' },
];

test('cannedRepliesOf keeps the well-formed replies of the config', () => {
  assert.deepEqual(cannedRepliesOf({}), []);
  assert.deepEqual(cannedRepliesOf({ cannedReplies: 'no' }), []);
  assert.deepEqual(cannedRepliesOf({ cannedReplies: [...replies, { label: ' ', text: 'x' }, { label: 'x' }, null] }), replies);
});

test('filterReplies matches every word in the label or text, labels that start with it first', () => {
  const labels = (q) => filterReplies(replies, q).map((r) => r.label);
  assert.deepEqual(labels(''), ['Greeting', 'Crisis lines', 'Closing']);
  assert.deepEqual(labels('cl'), ['Closing']);
  assert.deepEqual(labels('/clos'), ['Closing']);
  assert.deepEqual(labels('/'), ['Greeting', 'Crisis lines', 'Closing']);
  const ordered = [{ label: 'Bye', text: 'see you, hello' }, { label: 'Hello', text: 'hi' }];
  assert.deepEqual(filterReplies(ordered, 'hel').map((r) => r.label), ['Hello', 'Bye']);
  assert.deepEqual(labels('CRISIS'), ['Crisis lines']);
  assert.deepEqual(labels('take care'), ['Closing']);
  assert.deepEqual(labels('danger thank'), []);
  assert.deepEqual(filterReplies([{ label: 'Café', text: 'x' }], 'cafe').length, 1);
});

test('isOpener: / in an empty box, or Ctrl+/ anywhere', () => {
  const cases = [
    [{ key: '/' }, '', true],
    [{ key: '/' }, 'and/or', false],
    [{ key: '/', ctrlKey: true }, 'some text', true],
    [{ key: '/', metaKey: true }, 'some text', true],
    [{ key: '/', altKey: true }, '', false],
    [{ key: 'a' }, '', false],
  ];
  for (const [ev, value, want] of cases) assert.equal(isOpener(ev, value), want, JSON.stringify([ev, value]));
});
