// Canned replies: the ready-made replies a service configures (config.json
// cannedReplies: greetings, crisis lines, closing words), inserted from the
// keyboard. "/" at the start of an empty reply box, or Ctrl+/ anywhere in
// it, opens a list filtered as one types; the arrows choose, Enter puts the
// text in the reply box (to be read over and sent as any reply), Escape
// closes. The list is a combobox with a listbox (ARIA 1.2), so a screen
// reader says what is chosen.

import { h, show } from '../shared/dom.js';

/** cannedRepliesOf reads the configured replies, keeping the well-formed ones. */
export function cannedRepliesOf(config) {
  const list = config && Array.isArray(config.cannedReplies) ? config.cannedReplies : [];
  return list.filter((r) => r && typeof r.label === 'string' && typeof r.text === 'string' && r.label.trim() && r.text.trim());
}

/**
 * filterReplies keeps the replies whose label or text holds every word of
 * query (case and accents aside, a leading "/" ignored), labels that start
 * with it first.
 */
export function filterReplies(replies, query) {
  const fold = (s) => String(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  // A leading "/" is how the list was asked for ("/clos"), not a word.
  const words = fold(query).replace(/^\/+/, '').split(/\s+/).filter(Boolean);
  const hits = replies.filter((r) => {
    const hay = fold(r.label + ' ' + r.text);
    return words.every((w) => hay.includes(w));
  });
  const first = words[0] || '';
  return [...hits.filter((r) => fold(r.label).startsWith(first)), ...hits.filter((r) => !fold(r.label).startsWith(first))];
}

/** isOpener says whether a key press in the reply box opens the list. */
export function isOpener(ev, value) {
  if ((ev.ctrlKey || ev.metaKey) && ev.key === '/') return true;
  return ev.key === '/' && !ev.ctrlKey && !ev.metaKey && !ev.altKey && value === '';
}

let pickers = 0;

/** CannedPicker attaches the list to a reply box. */
export class CannedPicker {
  /**
   * input: the reply box (a textarea); replies: [{label, text}]; host: the
   * element the list is placed in (above the reply box); onInsert() after a
   * reply was put in the box (to tell the client the counsellor is typing).
   */
  constructor({ input, replies, host, onInsert = () => {} }) {
    this.input = input;
    this.replies = replies;
    this.onInsert = onInsert;
    this.matches = [];
    this.active = 0;
    this.entered = false;
    const n = ++pickers;
    this.listId = 'canned-list-' + n;
    this.search = h('input', {
      id: 'canned-search-' + n, type: 'text', className: 'canned-search', role: 'combobox', autocomplete: 'off',
      'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': this.listId,
      placeholder: 'Type to filter, ↑ ↓ to choose, Enter to insert, Esc to close',
    });
    this.list = h('ul', { id: this.listId, className: 'canned-list', role: 'listbox', 'aria-label': 'Canned replies' });
    this.empty = h('p', { className: 'canned-empty muted', text: 'No canned reply matches.' });
    this.el = h('div', { className: 'canned', hidden: true },
      h('label', { className: 'canned-label', for: this.search.id, text: 'Canned reply' }),
      this.search, this.list, this.empty);
    host.append(this.el);
    if (replies.length) {
      const hint = 'Type / in an empty reply box, or press Ctrl+/, to insert a canned reply.';
      input.setAttribute('aria-keyshortcuts', 'Control+Slash');
      input.title = hint;
    }
    input.addEventListener('keydown', (ev) => {
      if (!this.replies.length || !isOpener(ev, input.value)) return;
      ev.preventDefault();
      this.open();
    });
    this.search.addEventListener('input', () => this.filter());
    this.search.addEventListener('keydown', (ev) => this.key(ev));
    // Enter inserts when it is released: the key's own character (sent
    // after keydown by some input paths) then lands in the filter, which
    // ignores it, rather than in the reply box the focus moves to.
    this.search.addEventListener('keyup', (ev) => {
      if (ev.key === 'Enter' && this.entered) {
        this.entered = false;
        this.insert();
      }
    });
    this.search.addEventListener('blur', () => setTimeout(() => {
      if (!this.el.contains(document.activeElement)) this.close(false);
    }, 0));
  }

  get isOpen() { return !this.el.hidden; }

  /** open shows the whole list, the first reply chosen, the filter focused. */
  open() {
    if (this.input.disabled) return;
    this.search.value = '';
    show(this.el, true);
    this.search.setAttribute('aria-expanded', 'true');
    this.filter();
    this.search.focus();
  }

  /** close hides the list; refocus puts the cursor back in the reply box. */
  close(refocus = true) {
    if (!this.isOpen) return;
    show(this.el, false);
    this.search.setAttribute('aria-expanded', 'false');
    this.search.removeAttribute('aria-activedescendant');
    if (refocus) this.input.focus();
  }

  filter() {
    this.matches = filterReplies(this.replies, this.search.value);
    this.active = 0;
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.matches.map((r, i) => h('li', {
      id: `${this.listId}-${i}`, role: 'option', className: 'canned-option', 'aria-selected': String(i === this.active),
      onmousedown: (ev) => { ev.preventDefault(); this.active = i; this.insert(); },
    }, h('span', { className: 'canned-option-label', text: r.label }), h('span', { className: 'canned-option-text', text: r.text }))));
    show(this.empty, this.matches.length === 0);
    if (this.matches.length) {
      this.search.setAttribute('aria-activedescendant', `${this.listId}-${this.active}`);
      const el = this.list.children[this.active];
      if (el && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
    } else {
      this.search.removeAttribute('aria-activedescendant');
    }
  }

  key(ev) {
    const n = this.matches.length;
    switch (ev.key) {
      case 'ArrowDown':
        if (n) this.active = (this.active + 1) % n;
        break;
      case 'ArrowUp':
        if (n) this.active = (this.active + n - 1) % n;
        break;
      case 'Home':
        this.active = 0;
        break;
      case 'End':
        this.active = Math.max(0, n - 1);
        break;
      case 'Enter':
        ev.preventDefault(); // never the form's submit: the reply is read over first
        this.entered = true;
        return;
      case 'Escape':
        ev.preventDefault();
        this.close();
        return;
      case 'Tab':
        this.close(false);
        return;
      default:
        return;
    }
    ev.preventDefault();
    this.render();
  }

  /** insert puts the chosen reply in the reply box, at the cursor, and closes the list. */
  insert() {
    const r = this.matches[this.active];
    if (!r) return;
    const box = this.input;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + r.text + box.value.slice(end);
    const at = start + r.text.length;
    this.close();
    box.setSelectionRange(at, at);
    this.onInsert();
  }
}
