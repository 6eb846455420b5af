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

/**
 * privacy is the privacy promise (summary: its text) opening onto what
 * deleting means, in plain words.
 */
export function privacy(summary) {
  return h('details', { class: 'why' }, h('summary', {}, summary, h('span', { class: 'more' }, ' What this means')),
    h('p', {}, 'Your words are stored encrypted: scrambled, so that only a key can turn them back into words. '
      + 'Messages kept for 24 hours are locked with a key that is destroyed soon after those 24 hours (within about an hour and a half). '
      + 'Once the key is gone nobody can read them again: not the counsellors, not the people who run the service, not even from a backup. '
      + 'Messages you choose to keep stay stored, encrypted, until you delete them. '
      + 'What stays is only that a message was sent, when, and how long it was: never the words.'));
}

/** keep is the labelled choice of how long a conversation's messages are kept; onchange(value). */
export function keep(id, value, onchange) {
  const pick = h('select', { id, onchange: () => onchange(pick.value) },
    h('option', { value: '24h' }, 'For 24 hours'), h('option', { value: 'permanent' }, 'Until I delete the conversation'));
  pick.value = value;
  return h('div', { class: 'row keep' }, h('label', { for: id }, 'Keep messages'), pick);
}

/**
 * act handles the Edit, Save, Delete and Cancel buttons of the client's
 * own messages in a list: the full view's or the panel's. v is that view:
 * its model (a Conversation), msgs (the list), log, editing and
 * confirming (the message being edited or asked about), redraw() and
 * refuse(why).
 */
export async function act(v, e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const { act: what, id } = b.dataset;
  const was = v.editing || v.confirming;
  const model = v.model;
  v.editing = what === 'edit' ? id : null;
  v.confirming = what === 'del' ? id : null;
  try {
    if (what === 'save') {
      const body = v.msgs.querySelector('textarea.edit').value.trim();
      if (!body) return;
      const why = tooLong(body, model.limits);
      if (why) {
        // The edit stays open with its text.
        v.editing = id;
        return v.refuse(why);
      }
      const { message } = await model.api.editMessage(model.id, id, body);
      model.timeline.upsert(message);
    } else if (what === 'del-yes') {
      await model.api.deleteMessage(model.id, id);
      model.timeline.markDeleted(id);
    }
  } catch (err) {
    v.refuse((err && err.message) || 'Something went wrong.');
  }
  v.redraw();
  const at = (sel) => v.msgs.querySelector(sel);
  const li = at('[data-id="' + (id || was) + '"]');
  const target = what === 'edit' ? at('textarea.edit') : what === 'del' ? at('[data-act=del-yes]') : li && li.querySelector('button');
  if (target) target.focus();
  else v.log.focus();
}

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
    this.msgs = h('ol', { class: 'msgs', onclick: (e) => act(this, e) });
    this.log = h('div', { class: 'log', tabindex: '0', 'aria-label': 'Messages' }, this.older, this.msgs);
    this.err = h('p', { class: 'err', role: 'alert', hidden: true });
    this.foot = h('div', { class: 'foot' });
    this.bar = h('p', { class: 'banner', role: 'status', hidden: true });
    this.back = button('Back', { class: 'hb', 'aria-label': 'Back to the chat panel', onclick: () => this.close(true) });
    this.el = h('section', { class: 'full', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ftitle', hidden: true,
      onkeydown: (e) => this.key(e) },
    h('header', {}, w.exitButton(), this.back, h('h2', { id: 'ftitle' }, 'Your conversations')), this.bar,
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
    this.model = live ? w.model : new Conversation({ api: this.api, conversation: c, side: Role.Client, limits: w.limits });
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
    this.head.replaceChildren(h('div', {},
      h('p', { class: 'status' }, 'Started ' + day(sel.createdAt) + (sel.status === 'active' ? ' · active' : ' · closed')),
      keep('retention', sel.retention, (v) => this.retention(v, sel.id)),
      privacy(h('span', { class: 'hint' }, RETENTION[sel.retention] || '')),
      sel.status !== 'closed' ? null : this.deleting
        ? h('div', { class: 'row' }, h('span', {}, 'Delete this conversation from your views?'),
          button('Delete', { class: 'danger', onclick: () => this.remove() }), button('Cancel', { onclick: () => { this.deleting = null; this.draw(); } }))
        : button('Delete this conversation', { class: 'danger', onclick: () => { this.deleting = true; this.draw(); } })));
    if (this.live()) {
      const { form } = composer('fmsg', (body) => this.refuse(this.w.send(body)), (e) => this.w.typing(e), this.w.limits);
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

  /** redraw is drawMessages, for act. */
  redraw() { this.drawMessages(); }

  /** retention keeps conversation id's messages for value ('24h' or 'permanent'), from the full view or the panel. */
  async retention(value, id) {
    try {
      const { conversation } = await this.api.setRetention(id, value);
      const c = this.w.updated(conversation);
      if (!this.el.hidden && this.sel && this.sel.id === id) this.changedConversation(c);
      this.w.render();
    } catch (err) {
      if (this.el.hidden) this.w.refuse(err.message);
      else this.error(err);
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
