// Unit tests of protocol.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket, backoffDelay } from './protocol.js';

describe('backoffDelay grows with jitter', () => {
  const cases = [
    { name: 'first attempt, least jitter', attempt: 0, random: 0, want: 250 },
    { name: 'first attempt, most jitter', attempt: 0, random: 1, want: 500 },
    { name: 'grows exponentially', attempt: 3, random: 1, want: 4000 },
    { name: 'capped at the maximum', attempt: 20, random: 1, want: 30000 },
    { name: 'capped, least jitter', attempt: 20, random: 0, want: 15000 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(backoffDelay(c.attempt, 500, 30000, () => c.random), c.want));
  }
});

/** ScriptedSocket stands in for the browser's WebSocket: the test says when the server opens, speaks and closes. */
class ScriptedSocket {
  static OPEN = 1;
  static made = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    ScriptedSocket.made.push(this);
  }
  send() {}
  close() { this.readyState = 3; }
  serverOpens() {
    this.readyState = 1;
    this.onopen();
  }
  serverSays(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
  serverCloses() {
    this.readyState = 3;
    this.onclose({ code: 1000 });
  }
}

/** settled lets every pending promise callback run (the mocked timers do not cover setImmediate). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('Socket', () => {
  test('comes back at once with a fresh token after a reconnect frame', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const real = globalThis.WebSocket;
    globalThis.WebSocket = ScriptedSocket;
    t.after(() => { globalThis.WebSocket = real; });
    ScriptedSocket.made = [];

    const fresh = [];
    const api = { ticket: async ({ fresh: f = false } = {}) => { fresh.push(f); return { ticket: 't' + fresh.length }; } };
    const s = new Socket({ api, wsUrl: 'ws://127.0.0.1:1/x' });
    const opens = [];
    s.addEventListener('open', (e) => opens.push(e.detail.reconnect));
    s.start();
    await settled();
    ScriptedSocket.made[0].serverOpens();
    assert.equal(new URL(ScriptedSocket.made[0].url).searchParams.get('ticket'), 't1');

    // A few drops before: a plain backoff would now wait 16 to 32 s.
    s.attempt = 6;
    // The token behind the connection expired: the server says so, then closes it.
    ScriptedSocket.made[0].serverSays({ type: 'reconnect', reason: 'token_expired' });
    ScriptedSocket.made[0].serverCloses();
    t.mock.timers.tick(backoffDelay(0, 500, 30000, () => 1)); // the longest wait of a first attempt
    await settled();
    assert.equal(ScriptedSocket.made.length, 2, 'connected again within the first backoff');
    ScriptedSocket.made[1].serverOpens();
    s.stop();

    assert.deepEqual(fresh, [false, true], 'the second ticket is asked for with a fresh token');
    assert.deepEqual(opens, [false, true], 'the second open is a reconnect');
  });
});
