// Typing, both ways: telling the other side that this person is typing (and
// that they stopped) within the server's rule of one typing frame per
// connection every 2 s, and how long the other side's "typing…" is shown
// without news. Plain ES module, no dependencies.

/**
 * TYPING_SHOWN_FOR is how long the other side's "typing…" is shown without
 * news (ms), in both clients. While a person types, their client reminds
 * the other side once every 2 s, and the server drops a reminder that comes
 * a little early, so news can be 4 s apart: 6 s leaves 2 s for the network.
 * When a stop never arrives (the other side's tab closed, its network
 * gone), "typing…" goes 6 s after the last news, not later.
 */
export const TYPING_SHOWN_FOR = 6000;

/**
 * Typing tells the other side that this person is typing, and that they
 * stopped, within the server's rule of one typing frame per connection every
 * gap ms (it drops the rest): "typing" on a keystroke, again at most once a
 * gap while it goes on (the other side forgets it after a few seconds
 * without news); "stopped" after idle ms without a keystroke or when the
 * text is emptied (a message sent ends it by itself). A change the gap
 * holds back is sent when it ends (plus a margin for the network), so the
 * server relays it. send(typing) returns whether the frame went out.
 */
export class Typing {
  constructor(send, { gap = 2000, idle = 4000, margin = 250 } = {}) {
    this.sendFrame = send;
    this.gap = gap;
    this.idle = idle;
    this.margin = margin;
    this.last = -Infinity;
    this.reset();
  }

  /** input takes a keystroke; empty says the text is now empty. */
  input(empty) {
    if (empty) return this.stop();
    this.want = true;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idle);
    if (Date.now() - this.last >= this.gap) this.emit(true); // news, or a reminder while it goes on
    else this.settle();
  }

  /** stop says the typing ended: sent, emptied or idle. */
  stop() {
    this.want = false;
    clearTimeout(this.idleTimer);
    this.settle();
  }

  /**
   * sent says a message went: the other side stops showing "typing" when it
   * arrives, so no frame is needed, and typing on at once is news again.
   */
  sent() {
    clearTimeout(this.idleTimer);
    clearTimeout(this.timer);
    this.want = false;
    this.on = false;
  }

  /** settle tells the other side what is now so, as soon as the gap allows. */
  settle() {
    clearTimeout(this.timer);
    if (this.want === this.on) return;
    const wait = this.last + this.gap + this.margin - Date.now();
    if (wait > 0) this.timer = setTimeout(() => this.settle(), wait);
    else this.emit(this.want);
  }

  /**
   * reset forgets the typing (another conversation, sign-out) but not when
   * the last frame went: the server's gap is per connection, and the
   * dashboard's one connection serves every conversation.
   */
  reset() {
    clearTimeout(this.idleTimer);
    clearTimeout(this.timer);
    this.on = false;
    this.want = false;
  }

  emit(typing) {
    clearTimeout(this.timer);
    if (!this.sendFrame(typing)) return;
    this.last = Date.now();
    this.on = typing;
  }
}

