// A conversation's safeguarding level shown (riskLine, in the queue and the
// conversation's header), and the level control of the open conversation, for staff who may read it:
// folded away behind "Change risk level" (a details element: opened by
// click or keyboard), a select of the levels, a select of the reason codes
// (in words) and a button, so it works from the keyboard as any form does;
// nothing is sent on a mere change of a choice. PUT
// /conversations/{id}/risk does the rest; the view shows the server's
// refusal in words.

import { h, show } from '../shared/dom.js';
import { Risk, categoryText, riskLabel, riskLevels, riskOf, riskReasons, urgentWaitText, urgentWaiting } from './triage.js';

/** RiskControl is the "Set level" form of the conversation view. */
export class RiskControl {
  /**
   * els: {panel, form, level, reason}; onSet(level, reason) sets the open
   * conversation's level; onMissingReason() says a reason is needed.
   */
  constructor({ els, onSet, onMissingReason }) {
    this.els = els;
    this.key = '';
    els.level.replaceChildren(...riskLevels.map((o) => h('option', { value: o.value, text: o.text })));
    els.reason.replaceChildren(h('option', { value: '', text: 'Choose a reason…' }),
      ...riskReasons.map((o) => h('option', { value: o.value, text: o.text })));
    els.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!els.reason.value) {
        onMissingReason();
        els.reason.focus();
        return;
      }
      onSet(els.level.value, els.reason.value);
    });
  }

  /**
   * render shows the control when on (staff who may read an active
   * conversation). When the conversation's level changes (another
   * conversation, or the level moved: set here or elsewhere) the choices
   * follow it and the control folds away; otherwise they are kept, open
   * or not, so a choice being made survives a redraw.
   */
  render(on, conv) {
    show(this.els.panel, on);
    if (!on) return;
    const key = conv.id + ':' + riskOf(conv) + ':' + (conv.riskAt || '');
    if (key === this.key) return;
    this.key = key;
    this.els.panel.open = false;
    this.els.level.value = riskOf(conv);
    this.els.reason.value = '';
  }

  /** reset forgets the conversation shown (sign-out). */
  reset() {
    this.key = '';
    this.els.panel.open = false;
    show(this.els.panel, false);
  }
}

/**
 * riskLine shows a conversation's level (null for none): a badge with an
 * icon and the word (never colour alone), the category in calm words, and,
 * while an urgent one waits to be claimed, "urgent 4 min" from riskAt.
 */
export function riskLine(c, clock, tag = 'span') {
  const level = riskOf(c);
  if (level === Risk.None) return null;
  const wait = urgentWaiting(c) && c.riskAt ? urgentWaitText(clock.since(c.riskAt)) : '';
  return h(tag, { className: 'risk-line' },
    h('span', { className: 'risk risk-' + level, dataset: { risk: level } },
      h('span', { className: 'risk-icon', 'aria-hidden': 'true', text: level === Risk.Urgent ? '▲' : '●' }), ' ',
      h('span', { className: 'risk-label', text: riskLabel(level) })), ' ',
    h('span', { className: 'risk-why', text: categoryText(c) }),
    wait ? [' ', h('span', { className: 'risk-wait', text: wait })] : null);
}
