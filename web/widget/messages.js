// How the widget shows a conversation (shared/conversation.js holds it): the
// list of messages, kept in step with as few changes as possible, and the
// message form. Text only ever becomes text nodes (shared/dom.js).
import { h, button, bindComposer } from '../shared/dom.js';
import { Role } from '../shared/frames.js';
import { charCount } from '../shared/config.js';

/** time shows a timestamp (ISO text or ms) as the local hour and minute (and second, with secs). */
export function time(t, secs = false) {
  const d = new Date(t);
  return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: secs ? '2-digit' : undefined });
}

/** day shows a timestamp as a local date. */
export function day(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' });
}

const rendered = new WeakMap();

/**
 * renderMessages brings the list ol in line with items (a Conversation's
 * items(): messages, then pending sends), rebuilding only the items that
 * changed. readId is the client's message to mark "Read". With tools, the
 * client's own messages get Edit and Delete buttons (data-act, handled by
 * a click listener on the list).
 */
export function renderMessages(ol, items, { readId = '', tools = false, editing = null, confirming = null } = {}) {
  let cache = rendered.get(ol);
  if (!cache) rendered.set(ol, (cache = new Map()));
  const keep = new Set();
  let prev = null;
  for (const m of items) {
    const key = m.id || m.clientMessageId;
    const st = { read: !!m.id && m.id === readId, tools, editing: editing === key, confirming: confirming === key };
    const sig = JSON.stringify([m.body, m.editedAt, m.writtenAt, st]);
    let e = cache.get(key);
    if (!e || e.sig !== sig) {
      const li = item(m, st);
      if (e) e.li.replaceWith(li);
      cache.set(key, (e = { li, sig }));
    }
    keep.add(key);
    const want = prev ? prev.nextSibling : ol.firstChild;
    if (e.li !== want) ol.insertBefore(e.li, want);
    prev = e.li;
  }
  for (const [k, e] of cache) {
    if (!keep.has(k)) {
      e.li.remove();
      cache.delete(k);
    }
  }
}

function item(m, st) {
  if (m.system) return h('li', { class: 'sys' }, h('p', { class: 'note' }, m.body));
  const mine = m.senderRole !== Role.Staff;
  const at = time(m.createdAt || Date.now());
  // Written while offline: where it landed is when it was sent; say when it was written.
  const written = time(m.writtenAt || m.createdAt);
  const meta = [m.offline || m.writtenAt ? 'written ' + (written === at && m.id ? '' : written + ' ') + 'while offline' + (m.id ? ', sent ' + at : '') : at];
  if (m.editedAt) meta.push('edited');
  if (!m.id) meta.push('not sent yet');
  if (st.read) meta.push('Read');
  const li = h('li', { class: 'm ' + (mine ? 'mine' : 'theirs') + (m.id ? '' : ' pending'), 'data-id': m.id || null },
    h('span', { class: 'sr' }, mine ? 'You: ' : 'Counsellor: '));
  if (st.editing) {
    li.append(h('label', { class: 'sr', for: 'edit-' + m.id }, 'Edit your message'),
      h('textarea', { id: 'edit-' + m.id, class: 'edit', rows: 3, value: m.body }),
      h('div', { class: 'tools' }, button('Save', { 'data-act': 'save', 'data-id': m.id }), button('Cancel', { 'data-act': 'cancel' })));
    return li;
  }
  li.append(h('p', { class: 'text', dir: 'auto' }, m.body), h('p', { class: 'meta' }, meta.join(' · ')));
  if (st.tools && mine && m.id) {
    li.append(h('div', { class: 'tools' }, st.confirming
      ? [button('Delete for good', { 'data-act': 'del-yes', 'data-id': m.id }), button('Keep', { 'data-act': 'cancel' })]
      : [button('Edit', { 'data-act': 'edit', 'data-id': m.id, 'aria-label': 'Edit this message' }),
        button('Delete', { 'data-act': 'del', 'data-id': m.id, 'aria-label': 'Delete this message' })]));
  }
  return li;
}

/**
 * composer is the message form: a labelled text area and Send (bindComposer:
 * Enter sends, Shift+Enter is a new line). onSend(body) returns why it did
 * not take the text, or null; the text area has no maxlength, which would
 * cut a pasted message short without a word.
 */
export function composer(id, onSend, onType, limits = {}) {
  const count = h('p', { class: 'count', id: id + '-n', hidden: true });
  const input = h('textarea', { id, rows: 2, placeholder: 'Write a message', 'aria-describedby': count.id,
    oninput: (e) => { onType(e); counter(); } });
  // Near the limit (from 90 %), how many characters, counted as the server counts them.
  const counter = () => {
    const max = limits.messageChars;
    const n = max ? charCount(input.value.trim()) : 0;
    count.hidden = n < 0.9 * max || !max;
    count.classList.toggle('over', n > max);
    count.textContent = n > max ? `${n - max} characters too many: ${n} of ${max}` : `${n} of ${max} characters`;
  };
  const form = h('form', { class: 'composer' }, h('label', { class: 'sr', for: id }, 'Your message'), input,
    h('button', { type: 'submit', class: 'primary' }, 'Send'), count);
  bindComposer(form, input, (body) => {
    const why = onSend(body);
    if (why === null) queueMicrotask(counter);
    return why;
  });
  return { form, input };
}
