package browser

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// protocolPage opens a page of the stack, where web/shared/protocol.js can
// be imported by the expressions of a test.
func protocolPage(t *testing.T) *page {
	t.Helper()
	p := newBrowser(t)
	watchCSP(p)
	p.do("open the index", chromedp.Navigate(web+"/"))
	return p
}

// inProtocol wraps a function body that uses P (web/shared/protocol.js) into an expression.
func inProtocol(body string) string {
	return `import('/shared/protocol.js').then(async (P) => {` + body + `})`
}

// script is one case of a table run in the page: body uses P (protocol.js)
// and returns the string compared with want.
type script struct {
	name string
	body string
	want string
}

// runScripts runs each case after prelude (shared fakes) in a fresh module scope.
func runScripts(t *testing.T, p *page, prelude string, cases []script) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := eval[string](p, inProtocol(prelude+c.body)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestProtocolTimelineOrdersAndDedupes runs web/shared/protocol.js's
// Timeline in the page: ordered by id whatever the arrival order, each
// message once, edits and deletes applied in place.
func TestProtocolTimelineOrdersAndDedupes(t *testing.T) {
	p := protocolPage(t)
	runScripts(t, p, "", []script{
		{name: "out of order arrivals are sorted by id", want: "a,b,c,d",
			body: `const tl = new P.Timeline(); for (const id of ['c','a','d','b']) tl.upsert({id, body: id}); return tl.list().map(m => m.id).join(',');`},
		{name: "the same id twice is kept once", want: "added,same,1",
			body: `const tl = new P.Timeline(); const a = tl.upsert({id:'a', body:'x'}); const b = tl.upsert({id:'a', body:'x'}); return [a, b, tl.size].join(',');`},
		{name: "an edit updates in place", want: "updated,y,1",
			body: `const tl = new P.Timeline(); tl.upsert({id:'a', body:'x'}); const r = tl.upsert({id:'a', body:'y', editedAt:'t'}); return [r, tl.get('a').body, tl.size].join(',');`},
		{name: "a delete keeps the place without the body", want: "true,true,undefined,false",
			body: `const tl = new P.Timeline(); tl.upsert({id:'a', body:'x'}); const r = tl.markDeleted('a'); return [r, tl.get('a').deleted, String(tl.get('a').body), tl.markDeleted('zz')].join(',');`},
		{name: "a deleted message served again keeps no words", want: "updated,true,undefined",
			body: `const tl = new P.Timeline(); tl.upsert({id:'a', body:'x'}); const r = tl.upsert({id:'a', deleted: true}); return [r, tl.get('a').deleted, String(tl.get('a').body)].join(',');`},
		{name: "clientMessageId is known once stored", want: "true,false",
			body: `const tl = new P.Timeline(); tl.upsert({id:'a', clientMessageId:'c-1'}); return [tl.hasClientMessageId('c-1'), tl.hasClientMessageId('c-2')].join(',');`},
		{name: "first and last ids", want: "a,c",
			body: `const tl = new P.Timeline(); for (const id of ['b','c','a']) tl.upsert({id}); return [tl.firstId, tl.lastId].join(',');`},
	})
}

// fakes are a socket and an API for the Outbox, recording what they were asked.
const fakes = `
const sent = [], posted = [];
const socket = { isOpen: false, send(f) { sent.push(f.clientMessageId + ':' + f.body); return true; } };
let failWith = null;
const api = { async sendMessage(conv, cmid, body) {
	if (failWith) throw Object.assign(new Error('refused'), failWith);
	posted.push(cmid + ':' + body); return { message: { id: 'm-' + posted.length, clientMessageId: cmid, body } };
} };
const storage = { data: {}, getItem(k) { return this.data[k] ?? null; }, setItem(k, v) { this.data[k] = v; }, removeItem(k) { delete this.data[k]; } };
const box = (key = null) => new P.Outbox({ api, socket, conversationId: 'c', storageKey: key, storage });
`

// TestProtocolOutboxSendsEachMessageOnce runs the Outbox in the page with
// a fake socket and API: over the socket when open, over HTTP otherwise,
// kept on network errors, dropped on refusals, settled by the timeline.
func TestProtocolOutboxSendsEachMessageOnce(t *testing.T) {
	p := protocolPage(t)
	runScripts(t, p, fakes, []script{
		{name: "socket open: sent as a frame and pending until acknowledged", want: "1,0,1,0",
			body: `socket.isOpen = true; const b = box(); const e = b.add('hi'); await Promise.resolve();
				const r = [sent.length, posted.length, b.list().length]; b.acknowledge(e.clientMessageId); r.push(b.list().length); return r.join(',');`},
		{name: "socket closed: sent over HTTP and done", want: "0,1,0,1",
			body: `const b = box(); b.add('hi'); const stored = await b.sending; return [sent.length, posted.length, b.list().length, stored.length].join(',');`},
		{name: "a flush while one is sending posts the message once", want: "1,0",
			body: `const b = box(); b.add('hi'); await b.flush(); await b.sending; return [posted.length, b.list().length].join(',');`},
		{name: "network error: kept for later, same clientMessageId", want: "1,true",
			body: `failWith = { status: 0 }; const b = box(); const e = b.add('hi'); await b.flush().catch(() => {});
				failWith = null; await b.flush(); return [posted.length, posted[0].startsWith(e.clientMessageId)].join(',');`},
		{name: "rate limited: kept", want: "1",
			body: `failWith = { status: 429 }; const b = box(); b.add('hi'); await b.flush().catch(() => {}); return String(b.list().length);`},
		{name: "refused: dropped with its clientMessageId", want: "0,true",
			body: `failWith = { status: 413, code: 'message_too_long' }; const b = box(); const e = b.add('x');
				const err = await b.sending.catch((x) => x); return [b.list().length, err.clientMessageId === e.clientMessageId].join(',');`},
		{name: "settle drops what the timeline already holds", want: "1,keep",
			body: `failWith = { status: 0 }; const b = box(); const e1 = b.add('one'); b.add('keep'); await b.flush().catch(() => {});
				const tl = new P.Timeline(); tl.upsert({ id: 'm1', clientMessageId: e1.clientMessageId, body: 'one' });
				b.settle(tl); return [b.list().length, b.list()[0].body].join(',');`},
		{name: "persisted in storage and restored", want: "1,hi,0",
			body: `failWith = { status: 0 }; const b = box('k'); b.add('hi'); await b.flush().catch(() => {});
				const again = box('k'); const r = [again.list().length, again.list()[0].body]; again.clear(); r.push(box('k').list().length); return r.join(',');`},
	})
}

// server is a conversation of 150 messages (m000…m149) behind a fake API
// that pages them as the HTTP API does, newest page first, oldest first in
// a page; held is a timeline that has them all.
const server = `
const id = (i) => 'm' + String(i).padStart(3, '0');
let msgs = Array.from({ length: 150 }, (_, i) => ({ id: id(i), body: 'said ' + i, editedAt: null, deleted: false }));
const calls = [];
let meanwhile = null;
const api = { async messages(conv, { limit, cursor }) {
	calls.push(cursor ?? 'newest');
	if (meanwhile) { meanwhile(); meanwhile = null; }
	const end = cursor ? Number(cursor) : msgs.length, start = Math.max(0, end - limit);
	return { messages: msgs.slice(start, end).map((m) => ({ ...m })), nextCursor: start > 0 ? String(start) : null };
} };
const held = (from = 0) => { const tl = new P.Timeline(); for (const m of msgs.slice(from)) tl.upsert({ ...m }); return tl; };
`

// TestProtocolRereadShowsWhatChangedDuringAGap runs reread (called after
// every reconnect) against the fake API: an edit or a deletion made while
// the connection was down shows, however far back it is, and nothing that
// merely arrived meanwhile is lost.
func TestProtocolRereadShowsWhatChangedDuringAGap(t *testing.T) {
	p := protocolPage(t)
	runScripts(t, p, server, []script{
		{name: "an edit older than the newest page is shown", want: "1,changed,t",
			body: `const tl = held(); msgs[10] = { ...msgs[10], body: 'changed', editedAt: 't' };
				const n = await P.reread(api, 'c', tl); return [n, tl.get('m010').body, tl.get('m010').editedAt].join(',');`},
		{name: "a message no longer served (client view of a deletion) is marked deleted", want: "1,true,undefined,149",
			body: `const tl = held(); msgs.splice(20, 1);
				const n = await P.reread(api, 'c', tl); return [n, tl.get('m020').deleted, String(tl.get('m020').body), tl.list().filter((m) => !m.deleted).length].join(',');`},
		{name: "a deletion served to staff drops the words", want: "1,true,undefined",
			body: `const tl = held(); msgs[30] = { id: 'm030', deleted: true, editedAt: null };
				const n = await P.reread(api, 'c', tl); return [n, tl.get('m030').deleted, String(tl.get('m030').body)].join(',');`},
		{name: "the oldest message, on the last page, is checked too", want: "true",
			body: `const tl = held(); msgs.shift(); await P.reread(api, 'c', tl); return String(tl.get('m000').deleted);`},
		{name: "nothing changed: nothing reported", want: "0,150",
			body: `const tl = held(); const n = await P.reread(api, 'c', tl); return [n, tl.list().filter((m) => !m.deleted).length].join(',');`},
		{name: "pages are read back to the oldest message held, no further", want: "newest|120|90",
			body: `const tl = held(65); await P.reread(api, 'c', tl, 30); return calls.join('|');`},
		{name: "a message that arrives during the refresh is kept", want: "false,here",
			body: `const tl = held(); meanwhile = () => tl.upsert({ id: 'm140a', body: 'here' });
				await P.reread(api, 'c', tl); return [String(!!tl.get('m140a').deleted), tl.get('m140a').body].join(',');`},
		{name: "an empty timeline gets the newest page", want: "100,newest,m050",
			body: `const tl = new P.Timeline(); const n = await P.reread(api, 'c', tl); return [n, calls.join('|'), tl.firstId].join(',');`},
		{name: "a gap of more than a page is filled, past what came over HTTP", want: "150,newest|50,true",
			body: `const tl = new P.Timeline(); tl.upsert({ ...msgs[0] }); tl.upsert({ ...msgs[149] });
				const n = await P.reread(api, 'c', tl); return [tl.size, calls.join('|'), n === 148].join(',');`},
	})
}

// typist is a Typing with short times (gap 300 ms, held stops 50 ms more)
// whose frames are recorded as "true@<ms>" or "false@<ms>" from the start;
// refuse makes the next frame fail to go out.
const typist = `
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now(), frames = [];
let refuse = false;
const typer = (idle = 900) => new P.Typing((typing) => {
	if (refuse) { refuse = false; return false; }
	frames.push(typing + '@' + (Date.now() - t0)); return true;
}, { gap: 300, idle, margin: 50 });
const said = () => frames.map((f) => f.split('@')[0]).join(',');
const at = (i) => Number(frames[i].split('@')[1]);
`

// TestProtocolTypingSaysStartAndStopWithinTheGap runs Typing in the page:
// the server relays one typing frame per connection every 2 s and drops
// the rest, so "stopped" must wait for the gap or the other side keeps
// seeing "typing…" after the person has stopped.
func TestProtocolTypingSaysStartAndStopWithinTheGap(t *testing.T) {
	p := protocolPage(t)
	runScripts(t, p, typist, []script{
		{name: "keystrokes say typing once a gap", want: "true,true",
			body: `const ty = typer(); ty.input(false); await sleep(10); ty.input(false); await sleep(30); ty.input(false);
				await sleep(350); ty.input(false); ty.reset(); return said();`},
		{name: "emptying the text says stopped once the gap has passed", want: "true,false,true",
			body: `const ty = typer(); ty.input(false); await sleep(10); ty.input(true); await sleep(600); return said() + ',' + (at(1) - at(0) >= 350);`},
		{name: "a message sent ends the typing without a frame", want: "true",
			body: `const ty = typer(); ty.input(false); ty.sent(); await sleep(1000); return said();`},
		{name: "typing on right after a message is news when the gap ends", want: "true,true,true",
			body: `const ty = typer(5000); ty.input(false); ty.sent(); await sleep(30); ty.input(false); await sleep(500); ty.reset();
				return said() + ',' + (at(1) - at(0) >= 350);`},
		{name: "no keystroke for the idle time says stopped", want: "true,false,true",
			body: `const ty = typer(400); ty.input(false); await sleep(1000); return said() + ',' + (at(1) - at(0) >= 400);`},
		{name: "typing again before a held stop cancels it", want: "true",
			body: `const ty = typer(5000); ty.input(false); ty.stop(); await sleep(30); ty.input(false); await sleep(600); ty.reset(); return said();`},
		{name: "keystrokes held back by the gap say typing when it ends", want: "true,false,true,true",
			body: `const ty = typer(5000); ty.input(false); ty.stop(); await sleep(500); ty.input(false); await sleep(500); ty.reset();
				return said() + ',' + (at(2) - at(1) >= 350);`},
		{name: "nothing said: stopping sends nothing", want: "",
			body: `const ty = typer(); ty.stop(); ty.input(true); await sleep(400); return said();`},
		{name: "a frame that did not go out is sent with the next keystroke", want: "true",
			body: `const ty = typer(5000); refuse = true; ty.input(false); ty.input(false); ty.reset(); return said();`},
		{name: "after a reset the gap still counts: the server's is per connection", want: "true,true,true",
			body: `const ty = typer(5000); ty.input(false); ty.reset(); ty.input(false); await sleep(500); ty.reset();
				return said() + ',' + (at(1) - at(0) >= 350);`},
		{name: "reset drops a held stop", want: "true",
			body: `const ty = typer(); ty.input(false); ty.stop(); ty.reset(); await sleep(600); return said();`},
	})
}

// TestProtocolBackoffGrowsWithJitter checks the reconnect delays: full
// jitter between half and all of an exponential ceiling, capped.
func TestProtocolBackoffGrowsWithJitter(t *testing.T) {
	p := protocolPage(t)
	tests := []struct {
		name    string
		attempt int
		random  string
		want    int
	}{
		{name: "first attempt, least jitter", attempt: 0, random: "0", want: 250},
		{name: "first attempt, most jitter", attempt: 0, random: "1", want: 500},
		{name: "grows exponentially", attempt: 3, random: "1", want: 4000},
		{name: "capped at the maximum", attempt: 20, random: "1", want: 30000},
		{name: "capped, least jitter", attempt: 20, random: "0", want: 15000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eval[int](p, inProtocol(`return P.backoffDelay(`+strconv.Itoa(tt.attempt)+`, 500, 30000, () => `+tt.random+`);`))
			if got != tt.want {
				t.Errorf("backoffDelay(%d) = %d, want %d", tt.attempt, got, tt.want)
			}
		})
	}
}

// TestProtocolSocketComesBackWithAFreshTokenAfterReconnectFrame: when the
// server says the token behind the connection expired (a reconnect frame,
// then it closes the connection), the Socket connects again without
// waiting out a backoff and asks for its ticket with a fresh token. The
// page's WebSocket is replaced by a scripted one for this.
func TestProtocolSocketComesBackWithAFreshTokenAfterReconnectFrame(t *testing.T) {
	p := protocolPage(t)
	got := eval[string](p, inProtocol(`
		const sockets = [];
		class ScriptedSocket {
			constructor(url) { this.url = url; this.readyState = 0; sockets.push(this); setTimeout(() => { this.readyState = 1; this.onopen && this.onopen(); }, 0); }
			send() {}
			close() { this.readyState = 3; }
			serverSays(frame) { this.onmessage && this.onmessage({ data: JSON.stringify(frame) }); }
			serverCloses() { this.readyState = 3; this.onclose && this.onclose({ code: 1000 }); }
		}
		ScriptedSocket.OPEN = 1;
		const real = window.WebSocket;
		window.WebSocket = ScriptedSocket;
		try {
			const asked = [];
			const api = { ticket: async (opts = {}) => { asked.push(!!opts.fresh); return { ticket: 't' + asked.length }; } };
			const s = new P.Socket({ api, wsUrl: 'ws://127.0.0.1:1/x' });
			const opened = [];
			s.addEventListener('open', (e) => opened.push(e.detail.reconnect));
			const waitOpen = (n) => new Promise((resolve) => { const tick = () => opened.length >= n ? resolve() : setTimeout(tick, 5); tick(); });
			s.start();
			await waitOpen(1);
			// A few drops first, so a plain backoff would be long.
			s.attempt = 6;
			sockets[0].serverSays({ type: 'reconnect', reason: 'token_expired' });
			const dropped = performance.now();
			sockets[0].serverCloses();
			await waitOpen(2);
			const took = performance.now() - dropped;
			s.stop();
			return [asked.join(','), opened.join(','), took < 1000 ? 'soon' : 'late ' + Math.round(took)].join(' ');
		} finally {
			window.WebSocket = real;
		}`))
	if want := "false,true false,true soon"; got != want {
		t.Errorf("tickets asked fresh / opens were reconnects / timing = %q, want %q", got, want)
	}
}
