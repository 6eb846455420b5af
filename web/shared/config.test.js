// Unit tests of config.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { charCount, limitsOf, tooLong } from './config.js';

describe('limitsOf', () => {
  test('reads the server limits of a config.json', () => {
    assert.deepEqual(limitsOf({ httpApi: 'x', limits: { messageChars: 4000, frameBytes: 32768 } }), { messageChars: 4000, frameBytes: 32768 });
  });

  test('a limit not given (or not a positive whole number) is not checked', () => {
    assert.deepEqual(limitsOf({ httpApi: 'x' }), { messageChars: null, frameBytes: null });
    assert.deepEqual(limitsOf(undefined), { messageChars: null, frameBytes: null });
    assert.deepEqual(limitsOf({ limits: { messageChars: '4000', frameBytes: -1 } }), { messageChars: null, frameBytes: null });
  });
});

describe('charCount counts as the server does', () => {
  const cases = [
    ['plain text', 'hello', 5],
    ['an emoji outside the BMP is one character (two UTF-16 units)', '🙂', 1],
    ['a flag is two code points', '🇬🇧', 2],
    ['accented letters, precomposed', 'café', 4],
    ['accented letters, combining', 'cafe\u0301', 5],
    ['nothing', '', 0],
  ];
  for (const [name, text, want] of cases) test(name, () => assert.equal(charCount(text), want));
});

describe('tooLong', () => {
  const limits = { messageChars: 3 };
  test('at the limit is fine', () => assert.equal(tooLong('abc', limits), null));
  test('over the limit says so, with both counts', () => {
    assert.equal(tooLong('abcd', limits), 'Messages can be at most 3 characters (this one has 4).');
  });
  test('emoji count once each', () => assert.equal(tooLong('🙂🙂🙂', limits), null));
  test('no limit: nothing is too long here', () => assert.equal(tooLong('x'.repeat(100000), { messageChars: null }), null));
});
