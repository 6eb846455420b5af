// A supervisor's "Assign to" control for the open conversation: a select of
// the staff directory and a button, so it works from the keyboard as any
// form does (arrows choose, the button assigns: nothing happens on a mere
// change of the choice). POST /conversations/{id}/assign does the rest.

import { h, show } from '../shared/dom.js';
import { memberName } from './staff.js';

/**
 * assignOptions are the choices for a conversation assigned to assignee
 * (null: nobody): a prompt, then everyone in the directory by name, the
 * reader marked "you", supervisors marked, the current assignee disabled.
 */
export function assignOptions(members, meId, assignee) {
  const out = [{ value: '', text: 'Choose a colleague…', disabled: false }];
  for (const m of members) {
    const notes = [];
    if (m.userId === meId) notes.push('you');
    if (m.supervisor) notes.push('supervisor');
    if (m.userId === assignee) notes.push('assigned now');
    out.push({ value: m.userId, text: memberName(m) + (notes.length ? ` (${notes.join(', ')})` : ''), disabled: m.userId === assignee });
  }
  return out;
}

/** AssignControl shows the control for conversations a supervisor may assign. */
export class AssignControl {
  /** els: {form, select}; onAssign(to) assigns the open conversation to the member to. */
  constructor({ els, onAssign }) {
    this.els = els;
    this.key = '';
    els.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      onAssign(els.select.value);
    });
  }

  /**
   * render shows the control when on (a supervisor, an active
   * conversation), its choices rebuilt only when they changed, so a choice
   * being made is kept.
   */
  render(on, conv, meId, members) {
    show(this.els.form, on);
    if (!on) return;
    const options = assignOptions(members, meId, conv.assignee);
    const key = conv.id + '\n' + JSON.stringify(options);
    if (key === this.key) return;
    const chosen = this.key.startsWith(conv.id + '\n') ? this.els.select.value : '';
    this.key = key;
    this.els.select.replaceChildren(...options.map((o) => h('option', { value: o.value, disabled: o.disabled, text: o.text })));
    this.els.select.value = options.some((o) => o.value === chosen && !o.disabled) ? chosen : '';
  }

  /** reset forgets the choices (sign-out). */
  reset() {
    this.key = '';
    this.els.select.replaceChildren();
    show(this.els.form, false);
  }
}
