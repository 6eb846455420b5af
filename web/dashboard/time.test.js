// Unit tests of time.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerClock, formatDuration, waitingText } from './time.js';

describe('waitingText', () => {
  const cases = [
    ['under a minute', 59999, 'waiting < 1 min'],
    ['negative wait', -5000, 'waiting < 1 min'],
    ['minutes', 3 * 60000 + 5000, 'waiting 3 min'],
    ['hours', 61 * 60000, 'waiting 1 h 1 min'],
  ];
  for (const [name, ms, want] of cases) test(name, () => assert.equal(waitingText(ms), want));
});

describe('formatDuration', () => {
  const cases = [
    ['no duration', null, '—'],
    ['seconds', 45, '45 s'],
    ['minutes and seconds', 90, '1 min 30 s'],
    ['rounds to a minute', 59.6, '1 min'],
    ['hours and minutes', 3725, '1 h 2 min'],
  ];
  for (const [name, s, want] of cases) test(name, () => assert.equal(formatDuration(s), want));
});

describe('ServerClock', () => {
  test('a server clock ahead moves the estimate forward, never back', () => {
    const c = new ServerClock(() => 1000);
    c.observe('1970-01-01T00:00:05.000Z');
    c.observe('1970-01-01T00:00:03.000Z');
    assert.equal(c.now(), 5000);
    assert.equal(c.since('1970-01-01T00:00:02.000Z'), 3000);
    assert.equal(c.since('1970-01-01T00:00:09.000Z'), 0, 'never negative');
  });

  test('a server clock behind is not guessed', () => {
    const c = new ServerClock(() => 9000);
    c.observe('1970-01-01T00:00:05.000Z');
    assert.equal(c.now(), 9000);
  });
});
