// The widget's full view: all the client's conversations, paged history, edits, deletes and
// retention. A full-window layer of the widget on the same page, so the access token never
// leaves it. The active conversation is the widget's own (a shared Conversation); a closed
// one is read into a Conversation of its own.
import { Conversation } from '../shared/conversation.js';
import { olderPage } from '../shared/timeline.js';
import { tooLong } from '../shared/config.js';
import { Role } from '../shared/frames.js';
import { h, button } from '../shared/dom.js';
import { composer, day, renderMessages } from './messages.js';

/** RETENTION says in one sentence what happens to a conversation's messages. */
export const RETENTION = {
  '24h': 'Each message is deleted 24 hours after it was sent.',
  permanent: 'Messages are kept until you delete the conversation.',
};

/** Full is the full view of a Widget w. */
export class Full {
  constructor(w) {
    this.w = w;
    this.api = w.api;
    this.convs = [];
    this.sel = null;
    this.nav = h('ul', { class: 'convs' });
    this.head = h('div', { class: 'chead' });
    this.older = button('Show earlier messages', { class: 'older', hidden: true, onclick: () => this.loadOlder() });
    this.msgs = h('ol', { class: 'msgs', onclick: (e) => this.act(e) });
    this.log = h('div', { class: 'log', tabindex: '0', 'aria-label': 'Messages' }, this.older, this.msgs);
    this.err = h('p', { class: 'err', role: 'alert', hidden: true });
    this.foot = h('div', { class: 'foot' });
    this.bar = h('p', { class: 'banner', role: 'status', hidden: true });
    this.back = button('Back', { class: 'hb', 'aria-label': 'Back to the chat panel', onclick: () => this.close(true) });
    this.el = h('section', { class: 'full', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ftitle', hidden: true,
      onkeydown: (e) => this.key(e) },
    h('header', {}, this.back, h('h2', { id: 'ftitle' }, 'Your conversations'), w.exitButton()), this.bar,
    h('div', { class: 'cols' }, h('nav', { 'aria-label': 'Your conversations' }, this.nav),
      h('div', { class: 'conv' }, this.head, this.log, this.err, this.foot)));
  }

  /** open shows the full view on the active conversation (else the newest). */
  async open() {
    this.el.hidden = false;
    this.w.host.dataset.full = '1';
    this.w.fit();
    this.back.focus();
    try {
      const { conversations } = await this.api.listConversations({ limit: 50 });
      this.convs = conversations;
      const c = this.w.conv;
      await this.select(c && c.status === 'active' ? c : conversations[0]);
      this.w.seen();
    } catch (err) {
      this.error(err);
    }
  }

  /** key closes on Escape and keeps Tab inside the full view (a modal dialog). */
  key(e) {
    if (e.key === 'Escape') return this.close(true);
    if (e.key !== 'Tab') return;
    const all = [...this.el.querySelectorAll('button, textarea, select, [tabindex="0"]')].filter((x) => !x.disabled && x.offsetParent);
    const edge = e.shiftKey ? all[0] : all[all.length - 1];
    if (this.w.root.activeElement === edge) {
      e.preventDefault();
      (e.shiftKey ? all[all.length - 1] : all[0]).focus();
    }
  }

  /** close goes back to the panel. */
  close(focus) {
    if (this.el.hidden) return;
    this.el.hidden = true;
    delete this.w.host.dataset.full;
    if (focus) (this.w.expandBtn.hidden ? this.w.launcher : this.w.expandBtn).focus();
  }

  /** showing says whether the full view shows conversation id right now. */
  showing(id) { return !this.el.hidden && !!this.sel && this.sel.id === id; }

  live() { return !!this.sel && !!this.w.model && this.w.conv === this.sel && this.sel.status === 'active'; }

  async select(c) {
    this.sel = c || null;
    this.editing = this.confirming = this.deleting = null;
    this.err.hidden = true;
    if (!c) return this.draw();
    const w = this.w;
    if (w.conv && w.conv.id === c.id) this.sel = w.conv;
    const live = this.live();
    this.model = live ? w.model : new Conversation({ api: this.api, conversation: c, side: Role.Client });
    this.cursor = live ? w.cursor : undefined;
    this.draw();
    if (this.cursor === undefined) {
      this.cursor = await olderPage(this.api, c.id, this.model.timeline, null);
      if (live) w.cursor = this.cursor;
    }
    this.drawMessages();
    this.log.scrollTop = this.log.scrollHeight;
  }

  async loadOlder() {
    const before = this.log.scrollHeight;
    try {
      this.cursor = await olderPage(this.api, this.sel.id, this.model.timeline, this.cursor);
      if (this.live()) this.w.cursor = this.cursor;
    } catch (err) {
      return this.error(err);
    }
    this.drawMessages();
    this.log.scrollTop += this.log.scrollHeight - before;
    if (!this.cursor) this.log.focus();
  }

  /** changed follows the widget's active conversation (new messages, closed). */
  changed() {
    if (!this.sel) return; // also while hidden: no stale "not sent yet" left behind
    const c = this.w.conv;
    if (c && c.id === this.sel.id && c !== this.sel) {
      this.convs = this.convs.map((x) => (x.id === c.id ? c : x));
      this.sel = c;
      this.draw();
    }
    this.drawMessages();
  }

  banner(el) {
    this.bar.hidden = el.hidden;
    this.bar.textContent = el.textContent;
  }

  /** draw renders the list of conversations and the selected one's header and footer. */
  draw() {
    const sel = this.sel;
    this.nav.replaceChildren(...this.convs.map((c) => h('li', {}, button(day(c.createdAt) + (c.status === 'active' ? ' · active' : ' · closed'),
      { 'aria-current': sel && c.id === sel.id ? 'true' : null, onclick: () => this.select(c).catch((err) => this.error(err)) }))));
    if (!sel) {
      this.head.replaceChildren(h('p', {}, 'You have no conversations yet.'));
      this.foot.replaceChildren();
      return this.drawMessages();
    }
    const pick = h('select', { id: 'retention', onchange: () => this.retention(pick.value) },
      h('option', { value: '24h' }, 'For 24 hours'), h('option', { value: 'permanent' }, 'Until I delete the conversation'));
    pick.value = sel.retention;
    this.head.replaceChildren(h('div', {},
      h('p', { class: 'status' }, 'Started ' + day(sel.createdAt) + (sel.status === 'active' ? ' · active' : ' · closed')),
      h('div', { class: 'row' }, h('label', { for: 'retention' }, 'Keep messages'), pick),
      h('p', { class: 'hint' }, RETENTION[sel.retention] || ''),
      sel.status !== 'closed' ? null : this.deleting
        ? h('div', { class: 'row' }, h('span', {}, 'Delete this conversation from your views?'),
          button('Delete', { class: 'danger', onclick: () => this.remove() }), button('Cancel', { onclick: () => { this.deleting = null; this.draw(); } }))
        : button('Delete this conversation', { class: 'danger', onclick: () => { this.deleting = true; this.draw(); } })));
    if (this.live()) {
      const { form } = composer('fmsg', (body) => this.refuse(this.w.send(body)), (e) => this.w.typing(e));
      this.foot.replaceChildren(form);
    } else {
      this.foot.replaceChildren(h('p', { class: 'hint' }, 'This conversation is closed.'));
    }
  }

  drawMessages() {
    if (!this.sel) return this.msgs.replaceChildren();
    const stick = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 40;
    renderMessages(this.msgs, this.model.items(), { tools: true, editing: this.editing, confirming: this.confirming, readId: this.model.readMark() });
    this.older.hidden = !this.cursor;
    if (stick) this.log.scrollTop = this.log.scrollHeight;
  }

  /** act handles the Edit, Save, Delete and Cancel buttons of the messages. */
  async act(e) {
    const b = e.target.closest('button[data-act]');
    if (!b) return;
    const { act, id } = b.dataset;
    const was = this.editing || this.confirming;
    this.editing = act === 'edit' ? id : null;
    this.confirming = act === 'del' ? id : null;
    try {
      if (act === 'save') {
        const body = this.msgs.querySelector('textarea.edit').value.trim();
        if (!body) return;
        const why = tooLong(body, this.w.limits);
        if (why) {
          // The edit stays open with its text.
          this.editing = id;
          return this.refuse(why);
        }
        const { message } = await this.api.editMessage(this.sel.id, id, body);
        this.model.timeline.upsert(message);
      } else if (act === 'del-yes') {
        await this.api.deleteMessage(this.sel.id, id);
        this.model.timeline.markDeleted(id);
      }
    } catch (err) {
      this.error(err);
    }
    this.drawMessages();
    const at = (sel) => this.msgs.querySelector(sel);
    const li = at('[data-id="' + (id || was) + '"]');
    const target = act === 'edit' ? at('textarea.edit') : act === 'del' ? at('[data-act=del-yes]') : li && li.querySelector('button');
    if (target) target.focus();
    else this.log.focus();
  }

  async retention(value) {
    try {
      const { conversation } = await this.api.setRetention(this.sel.id, value);
      this.changedConversation(this.w.updated(conversation));
    } catch (err) {
      this.error(err);
    }
  }

  async remove() {
    try {
      await this.api.deleteConversation(this.sel.id);
      this.convs = this.convs.filter((c) => c.id !== this.sel.id);
      await this.select(this.convs[0]);
      this.back.focus();
    } catch (err) {
      this.error(err);
    }
  }

  changedConversation(c) {
    this.convs = this.convs.map((x) => (x.id === c.id ? c : x));
    this.sel = c;
    this.draw();
    this.head.querySelector('select').focus();
  }

  error(err) {
    this.refuse((err && err.message) || 'Something went wrong.');
  }

  /** refuse shows why something was not done (a message not taken stays in its form); it returns why. */
  refuse(why) {
    if (!why) return why;
    this.err.textContent = why;
    this.err.hidden = false;
    return why;
  }
}
