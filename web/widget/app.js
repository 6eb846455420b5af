// The Confide widget, loaded by widget.js: a floating chat in a shadow root (Widget) and the
// functions a host page calls. It is a view: the conversation it shows is a shared
// Conversation (shared/conversation.js), its messages are drawn by messages.js, its full
// view is full.js, its one connection per browser link.js; shared/protocol.js is its only
// way to the server. Browsers get all of them as this one file (esbuild bundles it:
// internal/webbuild).
import { Api } from '../shared/protocol.js';
import { Conversation } from '../shared/conversation.js';
import { Typing } from '../shared/typing.js';
import { limitsOf } from '../shared/config.js';
import { Action, Code, ConnState, Frame, Role, SocketEvent } from '../shared/frames.js';
import { h, button } from '../shared/dom.js';
import { Full, RETENTION, act, keep, privacy } from './full.js';
import { Link } from './link.js';
import { composer, renderMessages, time } from './messages.js';
import { themeOf } from './theme.js';

const KEY = 'confide.'; // prefix of every key the widget stores
const DEFAULT_EXIT = 'https://www.bbc.co.uk/weather';
const AVAILABILITY_EVERY = 15000; // ms between two looks at who is online, while the panel is open and seen
let current = null;

/** init shows the widget for the person whose token options.getToken returns. */
export function init(options) {
  if (current) current.destroy();
  current = new Widget(options);
  return current.boot();
}
/** refresh signs the widget in or out again (the host's sign-in changed). */
export function refresh() { return current && current.boot(); }
/** open opens the chat panel. */
export function open() { if (current) current.setOpen(true); }
/** close minimises the chat panel. */
export function close() { if (current) current.setOpen(false); }
/** destroy removes the widget and everything it listens to. */
export function destroy() {
  if (current) current.destroy();
  current = null;
}
/** exit is the quick exit. */
export function exit() { if (current) current.exit(); }

function mark(name) {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
}

function store(s) {
  try {
    return s();
  } catch (err) {
    return null; // storage blocked
  }
}

/** forget removes every key the widget stored. */
function forget() {
  for (const name of ['sessionStorage', 'localStorage']) {
    store(() => Object.keys(window[name]).filter((k) => k.startsWith(KEY)).forEach((k) => window[name].removeItem(k)));
  }
}

/** icon is an inline SVG drawing of path d (24×24, stroked in the text colour), hidden from screen readers. */
function icon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const path = document.createElementNS(ns, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

/** ib is an icon button: its label is its accessible name and its tooltip. */
function ib(label, d, onclick) {
  return button(icon(d), { class: 'hb', 'aria-label': label, title: label, onclick });
}

/** about says a wait in seconds in words: "about 3 minutes". */
function about(s) {
  const m = Math.max(1, Math.round(s / 60));
  const hr = Math.round(m / 60);
  return 'about ' + (m < 60 ? (m === 1 ? 'a minute' : m + ' minutes') : hr === 1 ? 'an hour' : hr + ' hours');
}

/** Widget is one widget on the page. */
class Widget {
  constructor(o) {
    this.o = { exitUrl: DEFAULT_EXIT, ...o };
    this.theme = themeOf(o.theme, o.snippetTheme);
    this.api = new Api({ apiUrl: o.apiUrl, getToken: async (x) => o.getToken(x) });
    this.limits = limitsOf(o);
    this.cleanups = [];
    this.shifts = [];
    this.typer = new Typing((typing) => !!(this.model && this.link) && this.link.send({ action: Action.Typing, conversationId: this.model.id, typing }));
    this.host = h('confide-widget', { 'data-view': 'loading' });
    this.host.style.visibility = 'hidden';
    this.root = this.host.attachShadow({ mode: 'open' });
    const css = h('link', { rel: 'stylesheet', href: new URL('widget.css', import.meta.url).href });
    css.addEventListener('load', () => { this.host.style.visibility = ''; });
    this.root.append(css, this.build());
    this.full = new Full(this);
    this.root.append(this.full.el);
    const t = this.theme;
    for (const el of [this.wrap, this.full.el]) {
      el.style.setProperty('--a', t.accent);
      el.style.setProperty('--on', t.on);
      el.style.setProperty('--ink', t.ink);
    }
    document.body.append(this.host);
    this.on(document, 'keydown', (e) => this.onKey(e), true);
    this.on(document, 'visibilitychange', () => {
      this.seen();
      this.watch(true);
    });
    if (window.visualViewport) for (const t of ['resize', 'scroll']) this.on(visualViewport, t, () => this.fit());
    this.on(window, 'resize', () => this.fit());
    // Reopened on the next page once the chat is there to show.
    this.reopen = store(() => sessionStorage.getItem(KEY + 'open')) === '1';
    mark('confide:init');
  }

  on(target, type, fn, capture = false) {
    target.addEventListener(type, fn, capture);
    this.cleanups.push(() => target.removeEventListener(type, fn, capture));
  }

  build() {
    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'panel',
      onclick: () => this.setOpen(!this.isOpen) }, icon('M21 11.5a8.4 8.4 0 0 1-12.2 7.5L3 20.5l1.6-5A8.4 8.4 0 1 1 21 11.5z'), h('span', {}, 'Talk to a counsellor'), this.badge);
    this.banner = h('p', { class: 'banner', role: 'status', hidden: true });
    this.live = h('p', { class: 'sr', 'aria-live': 'polite' });
    this.body = h('div', { class: 'body' });
    this.expandBtn = ib('Open full view', 'M14 4h6v6M10 20H4v-6M20 4l-7 7M4 20l7-7', () => this.full.open());
    this.expandBtn.hidden = true;
    this.panel = h('section', { class: 'panel', id: 'panel', role: 'dialog', 'aria-labelledby': 'title', hidden: true,
      onkeydown: (e) => { if (e.key === 'Escape') this.setOpen(false, true); } },
    this.header('title', this.expandBtn, ib('Minimise the chat', 'M6 9l6 6 6-6', () => this.setOpen(false, true))),
    this.banner, this.body, this.live);
    return (this.wrap = h('div', { class: 'w' }, this.panel, this.launcher));
  }

  /** header is a header with Quick exit first (always the same corner), the service's logo and name, then tools. */
  header(id, ...tools) {
    const t = this.theme;
    return h('header', {}, this.exitButton(), t.logo ? h('img', { src: t.logo, alt: '', class: 'logo' }) : null,
      h('h2', { id }, t.name || 'Confide'), tools);
  }

  exitButton() {
    return button('Quick exit', { class: 'exit', title: 'Leave this page now (or press Shift three times)', onclick: () => this.exit() });
  }

  /** crisis is the service's crisis lines (null when it sets none). */
  crisis() {
    const lines = this.theme.crisis;
    if (!lines.length) return null;
    const tel = (n) => (/^[+\d\s()-]+$/.test(n) ? h('a', { href: 'tel:' + n.replace(/[^+\d]/g, '') }, n) : h('strong', {}, n));
    return h('div', { class: 'crisis' }, h('h4', {}, 'Need help right now?'),
      h('ul', {}, lines.map((l) => h('li', {}, l.label + ' ', l.url ? h('a', { href: l.url, target: '_blank', rel: 'noopener noreferrer' }, l.number || new URL(l.url).host) : tel(l.number)))));
  }

  /** hours is the service's opening hours (null when it sets none). */
  hours() {
    return this.theme.hours ? h('p', { class: 'hours' }, this.theme.hours) : null;
  }

  get isOpen() { return !this.panel.hidden; }

  /** setOpen opens or minimises the panel; focus follows when a person did it. */
  setOpen(open, focus = true) {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    store(() => sessionStorage.setItem(KEY + 'open', open ? '1' : '0'));
    this.watch(open);
    if (open) {
      this.fit();
      if (focus) (this.root.querySelector('.body textarea, .body button, .body input') || this.panel.querySelector('.hb')).focus();
      if (this.log) this.log.scrollTop = this.log.scrollHeight;
    } else if (focus) {
      this.launcher.focus();
    }
    this.seen();
  }

  /** fit keeps the panel inside the visual viewport on phones, so the keyboard never hides the input. */
  fit() {
    const vv = window.visualViewport;
    const phone = innerWidth < 600;
    for (const [el, on] of [[this.panel, phone], [this.full.el, true]]) {
      el.style.height = on && vv ? vv.height + 'px' : '';
      el.style.top = on && vv ? vv.offsetTop + 'px' : '';
    }
    if (this.log) this.log.scrollTop = this.log.scrollHeight;
  }

  show(view, ...nodes) {
    this.view = view;
    this.host.dataset.view = view;
    this.expandBtn.hidden = !['chat', 'start', 'ended'].includes(view);
    if (view !== 'chat') this.log = null;
    this.body.replaceChildren(...nodes);
    this.watch();
  }

  /**
   * watch keeps who is online (and, while the conversation waits, the
   * queue) current: looked at every AVAILABILITY_EVERY ms while the panel
   * is open on the start screen or a waiting conversation and the tab is
   * seen, and at once (now) when something may have changed it.
   */
  watch(now = false) {
    clearTimeout(this.availTimer);
    const wanted = !!this.run && this.isOpen && !document.hidden && (this.view === 'start' || (this.view === 'chat' && !!this.conv && !this.conv.assignee));
    if (!wanted) return;
    if (now) return this.lookAtAvailability();
    this.availTimer = setTimeout(() => this.lookAtAvailability(), AVAILABILITY_EVERY);
  }

  async lookAtAvailability() {
    const run = this.run;
    try {
      this.avail = await this.api.availability();
    } catch (err) {
      // What was shown stays until the next look.
    }
    if (!run || run !== this.run) return;
    this.showAvailability();
    this.watch();
  }

  /** showAvailability says who is online on the start screen, and in the chat what happens next. */
  showAvailability() {
    const a = this.avail;
    const online = !!a && a.counsellorsOnline > 0;
    const el = this.body.querySelector('.avail');
    // A status is set only when it changes: a screen reader says it again otherwise.
    const say = (node, text) => { if (node.textContent !== text) node.textContent = text; };
    if (el && this.view === 'start') {
      el.classList.toggle('on', online);
      say(el, !a ? '' : online ? 'A counsellor is online now.'
        : 'No counsellor is online right now. You can still write: your message is saved, and a counsellor will answer when they are back.');
    }
    if (!this.nextEl || !this.model) return;
    const c = this.conv;
    const items = this.model.items();
    const wrote = items.some((m) => m.senderRole === Role.Client);
    let next = '';
    // Once a counsellor joined, the joined line says it (a reload has none: then this line does).
    if (c.assignee) next = this.notes.length ? '' : 'You are talking with ' + (c.assigneeName || 'a counsellor') + '.';
    else if (!a || items.some((m) => m.senderRole === Role.Staff)) next = '';
    else if (!wrote) next = online ? 'A counsellor is online. Write whenever you are ready.' : 'No counsellor is online right now. Write whenever you are ready: your message is saved.';
    else if (!online) next = 'No counsellor is online right now. Your message is saved, and a counsellor will answer when they are back. ' + this.theme.hours;
    else if (a.queuePosition) {
      next = (a.queuePosition === 1 ? 'You are next in the queue.' : 'You are number ' + a.queuePosition + ' in the queue.')
        + (a.expectedWaitSeconds != null ? ' A counsellor usually answers within ' + about(a.expectedWaitSeconds) + '.' : ' A counsellor will answer as soon as they can.');
    }
    say(this.nextEl, next.trim());
    this.nextEl.hidden = !next;
  }

  /** boot (re)starts from the host's token: sign-in prompt, nothing for staff, or the client's chat. */
  async boot() {
    const run = (this.run = {});
    const signedIn = !!this.me;
    this.reset();
    this.show('loading', h('p', { role: 'status' }, 'Loading…'));
    try {
      const token = await this.o.getToken({});
      if (run !== this.run) return;
      if (!token) {
        if (signedIn) forget(); // signed out: leave nothing of that person behind
        return this.signedOut();
      }
      mark('confide:signed-in');
      const me = await this.api.me();
      if (run !== this.run) return;
      if (me.role === Role.Staff) return this.show('hidden');
      this.me = me;
      this.link = new Link({ api: this.api, wsUrl: this.o.wsUrl, userId: me.userId });
      for (const t of [...Object.values(SocketEvent), 'peer', 'role']) this.link.addEventListener(t, (e) => this['on' + t](e.detail));
      await (me.activeConversationId ? this.loadActive() : this.loadStart());
    } catch (err) {
      if (run === this.run) this.failed(err);
    }
  }

  reset() {
    if (this.link) this.link.stop();
    this.link = null;
    this.drop();
    this.conv = null;
    this.me = null;
    this.avail = null;
    this.unread = 0;
    this.full.close(false);
    this.banner.hidden = true;
    this.seen();
  }

  failed(err) {
    if (err && err.status === 401) return this.signedOut();
    this.show('error', h('p', { role: 'alert' }, (err && err.status === 0 ? err.message : 'Something went wrong loading the chat.') + ' '),
      button('Try again', { class: 'primary', onclick: () => this.boot() }));
  }

  signedOut() {
    const o = this.o;
    this.show('signed-out', h('h3', {}, 'Talk to a counsellor'),
      h('p', {}, 'Sign in on this website to start a confidential conversation with a counsellor. If you have no account yet, the website\'s sign-in page lets you make one.'),
      o.signInUrl && !o.onSignInRequested
        ? h('a', { class: 'btn primary', href: o.signInUrl }, 'Sign in')
        : button('Sign in', { class: 'primary', onclick: () => {
          this.setOpen(false, false);
          if (o.onSignInRequested) o.onSignInRequested();
        } }),
      this.hours(), this.crisis());
  }

  async loadStart() {
    const [avail, list] = await Promise.all([this.api.availability().catch(() => null), this.api.listConversations({ limit: 1 })]);
    const last = list.conversations[0];
    if (last && last.status === 'closed' && !store(() => sessionStorage.getItem(KEY + 'fb.' + last.id))
      && Date.now() - Date.parse(last.closedAt) < 7 * 864e5) return this.ended(last);
    this.avail = avail;
    this.start();
  }

  start() {
    const opt = (value, label, hint, checked) => h('label', { class: 'opt' },
      h('input', { type: 'radio', name: 'retention', value, checked }), h('span', {}, label, h('span', { class: 'hint' }, hint)));
    const form = h('form', { class: 'start' },
      h('h3', {}, 'Talk to a counsellor'),
      this.theme.welcome ? h('p', { class: 'welcome' }, this.theme.welcome) : null,
      h('p', { class: 'avail', role: 'status' }),
      this.hours(),
      h('p', { class: 'notice' }, 'This chat is confidential: only counsellors read it, and nothing you write is shared with this website.'),
      h('fieldset', {}, h('legend', {}, 'Keep my messages'),
        opt('24h', 'For 24 hours', RETENTION['24h'], true),
        opt('permanent', 'Until I delete them', 'Messages stay so you can come back to them; you can delete the conversation once it is closed.')),
      privacy('Private by design.'),
      h('button', { type: 'submit', class: 'primary' }, 'Start conversation'),
      this.crisis());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const submit = form.querySelector('[type=submit]');
      submit.disabled = true;
      try {
        await this.api.createConversation(form.elements.retention.value);
      } catch (err) {
        if (err.status !== 409) {
          submit.disabled = false;
          return this.failed(err);
        }
      }
      await this.loadActive().catch((err) => this.failed(err));
      this.link.post({ t: 'conv' });
    });
    this.show('start', form);
    this.showAvailability();
  }

  async loadActive() {
    let v;
    try {
      v = await this.api.widgetMessages();
    } catch (err) {
      if (err.status === 404) return this.loadStart();
      throw err;
    }
    const model = this.use(v.conversation);
    for (const m of v.messages) model.timeline.upsert(m);
    // The newest `unread` counsellor messages are the unread ones.
    const staff = v.messages.filter((m) => m.senderRole === Role.Staff);
    const seen = staff[staff.length - 1 - (v.unread || 0)];
    model.seen(seen ? seen.id : '');
    this.chat();
    model.flush();
  }

  /** use makes c the conversation the widget holds (a Conversation, its outbox kept in sessionStorage). */
  use(c) {
    if (!this.model || this.model.id !== c.id) {
      this.drop();
      this.model = new Conversation({ api: this.api, socket: this.link, conversation: c, side: Role.Client, limits: this.limits,
        storageKey: KEY + 'outbox.' + c.id, storage: store(() => sessionStorage), onChange: (ch) => this.changed(ch) });
      this.cursor = undefined;
      this.notes = [];
      this.typer.reset();
      this.synced = false; // set by the first open: later opens are reconnects
    } else {
      this.model.update(c);
    }
    this.conv = this.model.conversation;
    this.link.setConversation(c.id);
    return this.model;
  }

  /** drop lets go of the conversation held (its timers stop; what waits stays stored). */
  drop(clear = false) {
    if (this.model) this.model.stop({ clear });
    this.model = null;
  }

  /** changed takes what the conversation changed by itself: a retry's result, a refusal, typing forgotten. */
  changed(change) {
    if (change.kind === 'refused') this.unsent(change.refused);
    this.render();
  }

  /** updated takes a newer state of a conversation (the full view changed it); it returns the one to show. */
  updated(c) {
    if (this.model && this.model.id === c.id) {
      this.model.update(c);
      c = this.model.conversation;
    }
    if (this.conv && this.conv.id === c.id) this.conv = c;
    return c;
  }

  chat() {
    const { form, input } = composer('msg', (body) => this.refuse(this.send(body)), (e) => this.typing(e), this.limits);
    this.editing = this.confirming = null;
    this.msgs = h('ol', { class: 'msgs', onclick: (e) => act(this, e) });
    this.log = h('div', { class: 'log', tabindex: '0', 'aria-label': 'Messages' }, this.msgs);
    this.typingEl = h('p', { class: 'typing' });
    this.notice = h('p', { class: 'err', role: 'alert', hidden: true });
    this.wait = h('p', { class: 'wait', role: 'status', hidden: true });
    this.nextEl = h('p', { class: 'next', role: 'status', hidden: true });
    // Always in sight while the conversation runs: it is confidential, and
    // what happens to the messages (kept in step with retention changes),
    // with the choice to change it.
    this.conf = h('span', { class: 'conf' });
    this.keep = keep('keep', this.conv.retention, (v) => this.full.retention(v, this.conv.id));
    this.show('chat', h('div', { class: 'bar' }, privacy(this.conf), this.keep), this.nextEl, this.log, this.typingEl, this.notice, this.wait, form);
    this.render();
    this.showAvailability();
    mark('confide:messages-shown');
    if (this.reopen) this.setOpen(true, false);
    this.reopen = false;
    if (this.isOpen && this.root.activeElement === null) input.focus();
  }

  /** render redraws the active conversation (and the full view showing it). */
  render() {
    const model = this.model;
    if (this.view === 'chat' && model) {
      this.conf.textContent = 'Confidential. ' + (RETENTION[this.conv.retention] || '');
      this.keep.value = this.conv.retention;
      const stick = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 40;
      // The system lines ("… has joined") go after the message shown when they happened.
      const items = model.items();
      for (const n of this.notes) items.splice(items.findIndex((m) => m.id === n.after) + 1, 0, n);
      renderMessages(this.msgs, items.slice(-50), { readId: model.readMark(), tools: true, editing: this.editing, confirming: this.confirming });
      if (stick) this.log.scrollTop = this.log.scrollHeight;
      this.typingEl.textContent = model.typing ? 'Counsellor is typing…' : '';
      const l = model.outbox.limited;
      this.wait.hidden = !l;
      if (l) this.wait.textContent = l.why + ' Your message will be sent by itself at ' + time(l.until, true) + '.';
    }
    this.full.changed();
    this.seen();
  }

  /** redraw is render, for act (full.js): the panel's list of messages. */
  redraw() { this.render(); }

  /**
   * send sends a message of the client (the panel's or the full view's form);
   * it returns why it could not (the text stays in the form), or null.
   */
  send(body) {
    if (!this.model) return 'The conversation has ended.';
    const why = this.model.send(body);
    if (why) return why;
    this.typer.sent();
    if (this.notice) this.notice.hidden = true;
    this.render();
    return null;
  }

  /** refuse shows why a message was not taken, under the panel's form. */
  refuse(why) {
    if (!this.notice || !why) return why;
    this.notice.textContent = why;
    this.notice.hidden = false;
    return why;
  }

  unsent(why) {
    this.refuse('Your message was not sent: ' + why);
  }

  /** typing tells the counsellor that the client is typing, and when they stop (Typing). */
  typing(e) {
    this.typer.input(!e.target.value.trim());
  }

  onframe(f) {
    if (!this.model) return;
    if (f.type === Frame.Error && f.code === Code.Unauthorized) this.link.restart();
    const before = this.conv.assignee;
    const wrote = this.model.items().some((m) => m.senderRole === Role.Client && m.id);
    const change = this.model.apply(f);
    if (!change) return;
    if (change.kind === 'refused') this.unsent(change.refused);
    if (change.news) {
      this.live.textContent = 'New message from the counsellor: ' + change.news.body;
      this.pulse = true;
    }
    if (change.kind === 'conversation') {
      this.conv = this.model.conversation;
      if (!this.model.active) return this.ended(this.conv);
      if (this.conv.assignee && this.conv.assignee !== before) this.joined(this.conv);
    }
    // The first message stored: say where it stands in the queue.
    if (change.kind === 'message' && !wrote) this.watch(true);
    this.render();
    this.showAvailability();
  }

  /** joined shows, where it happened, that a counsellor (by the name they chose, never their account) joined. */
  joined(c) {
    const text = (c.assigneeName || 'A counsellor') + ' has joined the conversation';
    const items = this.model.items().filter((m) => m.id);
    this.notes.push({ id: 'note-' + this.notes.length, system: true, body: text, after: items.length ? items[items.length - 1].id : '' });
    this.live.textContent = text;
    this.watch();
  }

  onstate(s) {
    this.host.dataset.conn = s;
    const down = s === ConnState.Reconnecting || s === ConnState.Offline;
    this.banner.hidden = !down;
    this.banner.textContent = s === ConnState.Offline
      ? 'You are offline. Messages you write will be sent when you are back.'
      : 'Reconnecting… Messages you write will be sent when the connection is back.';
    this.full.banner(this.banner);
  }

  async onopen() {
    mark('confide:ws-open');
    const model = this.model;
    if (!model || !model.active) return;
    this.watch(true);
    try {
      // The first open fetches what came since the page was read; a
      // reconnect reads what it holds again (edits and deletions too).
      await model.catchUp({ first: !this.synced });
      if (model === this.model) this.synced = true;
    } catch (err) {
      // The next open tries again; what waits is sent meanwhile.
    }
    this.render();
  }

  onrefused({ code }) {
    if (code === Code.Unauthorized) return this.boot();
    if (!this.conv) return;
    this.api.getConversation(this.conv.id).then(({ conversation: c }) => (c.status === 'closed' ? this.ended(c) : this.boot()), () => this.boot());
  }

  onrole(role) {
    this.host.dataset.role = role;
  }

  onpeer(m) {
    if (m.t === 'exit') this.exit(false);
    else if (m.t === 'seen' && this.model) {
      this.model.seen(m.id);
      this.seen();
    } else if (m.t === 'conv' && this.view !== 'chat') this.loadActive().catch((err) => this.failed(err));
  }

  /** seen marks what the client can see as read, and shows the unread count (badge, and title while hidden). */
  seen() {
    let unread = 0;
    const model = this.model;
    if (model && model.active) {
      unread = model.unread();
      const looking = (this.isOpen && this.view === 'chat') || this.full.showing(model.id);
      if (unread && looking && !document.hidden) {
        unread = 0;
        const id = model.markRead();
        if (id) this.link.post({ t: 'seen', id });
      }
    }
    this.unread = unread;
    this.badge.hidden = !unread;
    this.badge.textContent = String(unread);
    this.launcher.setAttribute('aria-label', 'Talk to a counsellor' + (unread ? ', ' + unread + ' unread' : ''));
    if (this.pulse && unread) {
      this.badge.classList.remove('pulse');
      void this.badge.offsetWidth; // restart the animation
      this.badge.classList.add('pulse');
    }
    this.pulse = false;
    const base = document.title.replace(/^\(\d+\) /, '');
    const want = document.hidden && unread ? '(' + unread + ') ' + base : base;
    if (document.title !== want) document.title = want;
  }

  /** ended shows the end of a conversation and, once per conversation, asks for feedback. */
  ended(c) {
    this.typer.reset();
    this.drop(true);
    this.conv = c;
    if (this.link) this.link.setConversation(null);
    this.banner.hidden = true;
    this.full.changed();
    const again = button('Start a new conversation', { class: 'primary', onclick: () => this.loadStart().catch((err) => this.failed(err)) });
    const asked = store(() => sessionStorage.getItem(KEY + 'fb.' + c.id));
    store(() => sessionStorage.setItem(KEY + 'fb.' + c.id, '1'));
    this.show('ended', h('h3', {}, 'This conversation has ended'),
      h('p', {}, 'Thank you for talking with us. Whenever you want to talk again, start a new conversation here. '
        + (c.retention === 'permanent' ? 'This one stays in the full view until you delete it.' : 'Its messages are deleted 24 hours after they were sent.')),
      this.crisis(), asked ? null : this.feedback(c), again, this.hours());
    this.seen();
  }

  feedback(c) {
    const stars = [1, 2, 3, 4, 5].map((n) => h('label', { class: 'star' }, h('input', { type: 'radio', name: 'rating', value: n, required: true }), h('span', {}, String(n))));
    const status = h('p', { role: 'status' });
    const form = h('form', { class: 'feedback' },
      h('fieldset', {}, h('legend', {}, 'How helpful was this conversation? (1 = not at all, 5 = very)'), h('div', { class: 'stars' }, stars)),
      h('label', { for: 'fb-comment' }, 'Anything you would like to tell us? (optional)'),
      h('textarea', { id: 'fb-comment', name: 'comment', rows: 3, maxlength: 2000 }),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Send feedback'),
        button('No thanks', { onclick: () => form.replaceWith(h('p', {}, 'No problem.')) })),
      status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await this.api.feedback(c.id, Number(form.elements.rating.value), form.elements.comment.value.trim());
      } catch (err) {
        if (err.status !== 409) {
          status.textContent = 'Your feedback was not sent: ' + err.message;
          return;
        }
      }
      const done = h('p', { role: 'status', class: 'thanks', tabindex: '-1' }, 'Thank you for your feedback.');
      form.replaceWith(done);
      done.focus();
    });
    return form;
  }

  onKey(e) {
    if (e.key !== 'Shift' || this.view === 'hidden') {
      this.shifts = [];
      return;
    }
    if (e.repeat) return;
    const now = performance.now();
    this.shifts = this.shifts.filter((t) => now - t < 1000).concat(now);
    if (this.shifts.length >= 3) this.exit();
  }

  /** exit blanks the widget at once, forgets what it stored, tells the other tabs and leaves for a neutral page. */
  exit(tell = true) {
    this.host.dataset.view = 'exited';
    this.root.replaceChildren();
    if (tell && this.link) this.link.post({ t: 'exit' });
    const url = this.o.exitUrl;
    this.destroy();
    forget();
    if (current === this) current = null;
    location.replace(url);
  }

  destroy() {
    this.run = null;
    clearTimeout(this.availTimer);
    if (this.link) this.link.stop();
    this.link = null;
    this.drop();
    this.typer.reset();
    this.cleanups.forEach((f) => f());
    this.cleanups = [];
    this.host.remove();
    document.title = document.title.replace(/^\(\d+\) /, '');
  }
}
