// The signed-in counsellor's name as clients see it ("Sam has joined the
// conversation"): shown in the header, changed in place (PUT /me). A
// conversation carries the name its counsellor had when they claimed it.

import { setText, show } from '../shared/dom.js';

/** maxDisplayName is the server's bound (chat.NormalizeDisplayName). */
export const maxDisplayName = 40;

/**
 * checkDisplayName folds white space and checks a name as the server does:
 * 1 to 40 characters of letters, spaces, ' - and . ; it returns {name} or
 * {error}.
 */
export function checkDisplayName(raw) {
  const name = String(raw || '').trim().split(/\s+/).filter(Boolean).join(' ');
  if (!name) return { error: 'Enter the name clients should see, such as your first name.' };
  if ([...name].length > maxDisplayName) return { error: `Use at most ${maxDisplayName} characters.` };
  if (!/^[\p{L}\p{M}' .-]+$/u.test(name)) return { error: "Use letters, spaces, apostrophes, hyphens and full stops only." };
  return { name };
}

/** shownText says how clients see the counsellor. */
export function shownText(displayName) {
  return displayName ? `Clients see you as ${displayName}` : 'Clients see you as “a counsellor”';
}

/** ProfileControl is the header's "name shown to clients" setting. */
export class ProfileControl {
  /** api: the protocol Api; els: {shown, edit, form, input, cancel, error}; onChange(me) after a save. */
  constructor({ api, els, onChange = () => {} }) {
    this.api = api;
    this.els = els;
    this.onChange = onChange;
    this.me = null;
    els.edit.addEventListener('click', () => this.editing(!this.isEditing));
    els.cancel.addEventListener('click', () => this.editing(false));
    els.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.save(); });
    els.form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); this.editing(false); }
    });
  }

  get isEditing() { return !this.els.form.hidden; }

  /** render shows me's name (null: signed out). */
  render(me) {
    this.me = me;
    const e = this.els;
    setText(e.shown, me ? shownText(me.displayName) : '');
    setText(e.edit, me && me.displayName ? 'Change' : 'Set name');
    e.edit.setAttribute('aria-label', me && me.displayName ? 'Change the name clients see' : 'Set the name clients see');
    show(e.edit, !!me);
    if (!me) this.editing(false);
  }

  editing(on) {
    const e = this.els;
    show(e.form, on);
    show(e.shown, !on);
    show(e.edit, !on && !!this.me);
    e.edit.setAttribute('aria-expanded', String(on));
    setText(e.error, '');
    if (on) {
      e.input.value = (this.me && this.me.displayName) || '';
      e.input.focus();
      e.input.select();
    } else if (this.me) {
      e.edit.focus();
    }
  }

  async save() {
    const e = this.els;
    const checked = checkDisplayName(e.input.value);
    if (checked.error) {
      setText(e.error, checked.error);
      e.input.focus();
      return;
    }
    try {
      const me = await this.api.request('PUT', '/me', { displayName: checked.name });
      this.me = { ...this.me, displayName: me.displayName };
      this.editing(false);
      this.render(this.me);
      this.onChange(this.me);
    } catch (err) {
      setText(e.error, 'Could not save your name: ' + err.message);
    }
  }
}
