// One WebSocket per browser: the tab holding a Web Lock owns the Socket and relays it over a
// BroadcastChannel; when it closes, the lock (and the connection) passes to another tab.
import { Socket } from '../shared/protocol.js';
import { ConnState, SocketEvent } from '../shared/frames.js';

const relayed = Object.values(SocketEvent);

/** Link acts as a protocol.js Socket in every tab; 'peer' events carry what other tabs post(). */
export class Link extends EventTarget {
  constructor({ api, wsUrl, userId }) {
    super();
    this.api = api;
    this.wsUrl = wsUrl;
    this.conversationId = null;
    this.socket = null;
    this.state = ConnState.Closed;
    this.leader = false;
    this.release = null;
    const name = 'confide:' + userId;
    if (typeof BroadcastChannel !== 'function' || !navigator.locks) {
      this.lead();
      return;
    }
    this.ch = new BroadcastChannel(name);
    this.ch.onmessage = (e) => this.onPeer(e.data || {});
    this.abort = new AbortController();
    navigator.locks.request(name, { signal: this.abort.signal }, () => new Promise((resolve) => {
      this.release = resolve;
      this.lead();
    })).catch(() => {});
    this.onHide = () => this.leader && this.post({ t: SocketEvent.State, detail: ConnState.Reconnecting });
    addEventListener('pagehide', this.onHide);
    this.post({ t: 'hello' });
  }

  get isOpen() { return this.leader ? !!this.socket && this.socket.isOpen : this.state === ConnState.Open; }

  send(frame) {
    if (this.leader) return !!this.socket && this.socket.send(frame);
    if (this.state !== ConnState.Open) return false;
    this.post({ t: 'send', frame });
    return true;
  }

  /** setConversation connects (when leading) to conversation id, or disconnects (null). */
  setConversation(id) {
    if (this.conversationId === id) return;
    this.conversationId = id;
    if (this.leader) this.connect();
  }

  post(m) {
    if (this.ch) this.ch.postMessage(m);
  }

  lead() {
    if (this.stopped) return this.release && this.release();
    this.leader = true;
    this.emit('role', 'leader');
    this.connect();
  }

  connect() {
    if (this.socket) this.socket.stop();
    this.socket = null;
    if (!this.conversationId) return;
    const s = (this.socket = new Socket({ api: this.api, wsUrl: this.wsUrl, conversationId: this.conversationId }));
    for (const type of relayed) {
      s.addEventListener(type, (e) => {
        if (this.socket !== s) return;
        this.post({ t: type, detail: e.detail });
        this.emit(type, e.detail);
      });
    }
    s.start();
  }

  restart() {
    if (this.leader) this.connect();
  }

  emit(type, detail) {
    if (type === SocketEvent.State) this.state = detail;
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  onPeer(m) {
    if (relayed.includes(m.t)) {
      if (!this.leader) this.emit(m.t, m.detail);
    } else if (m.t === 'send') {
      if (this.leader && this.socket) this.socket.send(m.frame);
    } else if (m.t === 'hello') {
      if (this.leader) this.post({ t: SocketEvent.State, detail: this.state });
    } else {
      this.dispatchEvent(new CustomEvent('peer', { detail: m }));
    }
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.stop();
    this.socket = null;
    if (this.abort) this.abort.abort();
    if (this.release) this.release();
    if (this.ch) this.ch.close();
    if (this.onHide) removeEventListener('pagehide', this.onHide);
  }
}
