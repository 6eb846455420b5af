// Unit tests of typing.js, run by Node's own test runner (make test-web), on
// a mocked clock: the times below are exact, whatever the machine's load.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Typing } from './typing.js';

/**
 * typist makes a Typing with short times (gap 300 ms, a held change goes
 * 50 ms after the gap) whose frames are recorded as [typing, ms from the
 * start]; refuseNext makes the next frame fail to go out.
 */
function typist(t, idle = 900) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const rec = { frames: [], refuseNext: false };
  rec.typer = new Typing((typing) => {
    if (rec.refuseNext) {
      rec.refuseNext = false;
      return false;
    }
    rec.frames.push([typing, Date.now()]);
    return true;
  }, { gap: 300, idle, margin: 50 });
  // Node 20's mocked Date shows the end of a tick to the timers it runs, so
  // the clock moves a millisecond at a time.
  rec.at = (ms) => {
    while (Date.now() < ms) t.mock.timers.tick(1);
  };
  return rec;
}

describe('Typing says start and stop within the server gap', () => {
  let t;
  beforeEach((ctx) => { t = ctx; });

  test('keystrokes say typing once a gap', () => {
    const r = typist(t);
    r.typer.input(false);
    r.at(10); r.typer.input(false);
    r.at(40); r.typer.input(false);
    r.at(390); r.typer.input(false);
    r.typer.reset();
    assert.deepEqual(r.frames, [[true, 0], [true, 390]]);
  });

  test('emptying the text says stopped once the gap has passed', () => {
    const r = typist(t);
    r.typer.input(false);
    r.at(10); r.typer.input(true);
    r.at(349);
    assert.deepEqual(r.frames, [[true, 0]], 'held while the server would drop it');
    r.at(600);
    assert.deepEqual(r.frames, [[true, 0], [false, 350]]);
  });

  test('a message sent ends the typing without a frame', () => {
    const r = typist(t);
    r.typer.input(false);
    r.typer.sent();
    r.at(2000);
    assert.deepEqual(r.frames, [[true, 0]]);
  });

  test('typing on right after a message is news when the gap ends', () => {
    const r = typist(t, 5000);
    r.typer.input(false);
    r.typer.sent();
    r.at(30); r.typer.input(false);
    r.at(500);
    r.typer.reset();
    assert.deepEqual(r.frames, [[true, 0], [true, 350]]);
  });

  test('no keystroke for the idle time says stopped', () => {
    const r = typist(t, 400);
    r.typer.input(false);
    r.at(2000);
    assert.deepEqual(r.frames, [[true, 0], [false, 400]]);
  });

  test('typing again before a held stop cancels it', () => {
    const r = typist(t, 5000);
    r.typer.input(false);
    r.typer.stop();
    r.at(30); r.typer.input(false);
    r.at(600);
    r.typer.reset();
    assert.deepEqual(r.frames, [[true, 0]]);
  });

  test('keystrokes held back by the gap say typing when it ends', () => {
    const r = typist(t, 5000);
    r.typer.input(false);
    r.typer.stop();
    r.at(500); r.typer.input(false);
    r.at(1000);
    r.typer.reset();
    assert.deepEqual(r.frames, [[true, 0], [false, 350], [true, 700]]);
  });

  test('nothing said: stopping sends nothing', () => {
    const r = typist(t);
    r.typer.stop();
    r.typer.input(true);
    r.at(2000);
    assert.deepEqual(r.frames, []);
  });

  test('a frame that did not go out is sent with the next keystroke', () => {
    const r = typist(t, 5000);
    r.refuseNext = true;
    r.typer.input(false);
    r.typer.input(false);
    r.typer.reset();
    assert.deepEqual(r.frames, [[true, 0]]);
  });

  test('after a reset the gap still counts: the server gap is per connection', () => {
    const r = typist(t, 5000);
    r.typer.input(false);
    r.typer.reset();
    r.typer.input(false);
    r.at(500);
    r.typer.reset();
    assert.deepEqual(r.frames, [[true, 0], [true, 350]]);
  });

  test('reset drops a held stop', () => {
    const r = typist(t);
    r.typer.input(false);
    r.typer.stop();
    r.typer.reset();
    r.at(2000);
    assert.deepEqual(r.frames, [[true, 0]]);
  });
});
