// The audit tab, for supervisors: who did what to which conversation, and
// when (GET /audit), over a date range with paging, in words ("viewed by a
// supervisor", "assigned to sam"), colleagues by name. Entries carry no
// message text.

import { h, setText, show } from '../shared/dom.js';
import { dateTime, isoDate } from './time.js';
import { auditActionText, auditActorText, auditConversationId, auditMessageText, auditStaff, auditSubjectText } from './labels.js';

/** auditPage is how many entries one request asks for. */
export const auditPage = 25;

/**
 * auditRange turns the date inputs (local days, both included) into the
 * instants the API takes: from the start of the first day to the start of
 * the day after the last (a bare date would mean its midnight in UTC, which
 * leaves the last day out).
 */
export function auditRange(from, to) {
  const start = (d) => {
    const [y, m, day] = d.split('-').map(Number);
    return new Date(y, m - 1, day);
  };
  const out = {};
  if (from) out.from = start(from).toISOString();
  if (to) {
    const end = start(to);
    end.setDate(end.getDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}

/** AuditView lists the audit trail. */
export class AuditView {
  /**
   * meId: who is signed in; staff: the StaffDirectory (names; one it does
   * not know yet is asked about); els: {form, from, to, rows, more, status};
   * onOpenId(id) opens a conversation in the dashboard (its link).
   */
  constructor({ api, meId, staff, els, onOpenId = () => {} }) {
    this.onOpenId = onOpenId;
    this.api = api;
    this.meId = meId;
    this.staff = staff;
    this.nameOf = (id) => staff.name(id);
    this.els = els;
    this.entries = [];
    this.cursor = null;
    this.range = null;
    this.generation = 0;
    els.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.load(); });
    els.more.addEventListener('click', () => this.more());
  }

  /**
   * defaults starts the range 6 days before today, open-ended: an empty
   * "to" is "up to now" on the server's clock, whatever the day is here.
   */
  defaults(now = new Date()) {
    if (!this.els.from.value) this.els.from.value = isoDate(new Date(now.getTime() - 6 * 24 * 3600 * 1000));
  }

  async load() {
    this.range = auditRange(this.els.from.value, this.els.to.value);
    this.cursor = null;
    this.entries = [];
    this.els.rows.replaceChildren();
    await this.page(++this.generation);
  }

  more() { return this.page(this.generation); }

  async page(generation) {
    setText(this.els.status, 'Loading…');
    let out;
    try {
      out = await this.api.audit({ ...this.range, cursor: this.cursor || undefined, limit: auditPage });
    } catch (err) {
      if (generation === this.generation) setText(this.els.status, 'Could not load the audit trail: ' + err.message);
      return;
    }
    if (generation !== this.generation) return;
    this.entries.push(...out.entries);
    this.els.rows.append(...out.entries.map((e) => this.row(e)));
    this.cursor = out.nextCursor || null;
    show(this.els.more, !!this.cursor);
    setText(this.els.status, this.els.rows.children.length ? '' : 'No entries in this range.');
    // Colleagues who joined since the directory was read are named once it is read again.
    if (await this.staff.learn(out.entries.flatMap(auditStaff)) && generation === this.generation) this.rerender();
  }

  /** rerender writes the rows again (names learnt since). */
  rerender() {
    this.els.rows.replaceChildren(...this.entries.map((e) => this.row(e)));
  }

  /**
   * row is one entry: when, who, what, the conversation (by its handle, a
   * link that opens it) and, for an edit or delete, the message (its short
   * id).
   */
  row(e) {
    const convId = auditConversationId(e);
    const subject = auditSubjectText(e);
    const conversation = convId
      ? h('a', {
        href: '#conversation-' + convId, className: 'audit-conversation', dataset: { id: convId },
        title: 'Open this conversation', onclick: (ev) => { ev.preventDefault(); this.onOpenId(convId); },
      }, subject)
      : subject;
    return h('tr', { dataset: { action: e.action } },
      h('td', {}, h('time', { datetime: e.at, text: dateTime(e.at) })),
      h('td', { text: auditActorText(e, this.meId, this.nameOf) }),
      h('td', { text: auditActionText(e, this.meId, this.nameOf) }),
      h('td', { className: 'audit-conv' }, conversation),
      h('td', { className: 'audit-msg', text: auditMessageText(e) }));
  }

  /** clear forgets the listing (sign-out). */
  clear() {
    this.generation++;
    this.entries = [];
    this.cursor = null;
    this.els.rows.replaceChildren();
    show(this.els.more, false);
    setText(this.els.status, '');
  }
}
