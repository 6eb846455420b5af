// DOM helpers: strings only ever become text nodes or attribute values, never HTML.

/** h builds an element: props are attributes ("on…" adds a listener), kids are nodes or text. */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids.flat(9).filter((c) => c != null && c !== false));
  return el;
}

/** button is a <button type=button>. */
export function button(text, props) {
  return h('button', { type: 'button', ...props }, text);
}

/** time shows a timestamp as the local hour and minute. */
function time(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** day shows a timestamp as a local date. */
export function day(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' });
}

const rendered = new WeakMap();

/**
 * renderMessages brings the list ol in line with items (messages, then
 * pending sends), rebuilding only the items that changed. With tools, the
 * client's own messages get Edit and Delete buttons (data-act, handled by a
 * click listener on the list).
 */
export function renderMessages(ol, items, { readUpTo = '', tools = false, editing = null, confirming = null } = {}) {
  let cache = rendered.get(ol);
  if (!cache) rendered.set(ol, (cache = new Map()));
  let readId = '';
  for (const m of items) if (m.id && m.senderRole === 'client' && m.id <= readUpTo) readId = m.id;
  const keep = new Set();
  let prev = null;
  for (const m of items) {
    const key = m.id || m.clientMessageId;
    const st = { read: !!m.id && m.id === readId, tools, editing: editing === key, confirming: confirming === key };
    const sig = JSON.stringify([m.body, m.editedAt, st]);
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
  const mine = m.senderRole !== 'staff';
  const meta = [time(m.createdAt || new Date().toISOString())];
  if (m.editedAt) meta.push('edited');
  if (!m.id) meta.push('not sent yet');
  if (st.read) meta.push('Read');
  const li = h('li', { class: 'm ' + (mine ? 'mine' : 'theirs') + (m.id ? '' : ' pending'), 'data-id': m.id || null },
    h('span', { class: 'sr' }, mine ? 'You: ' : 'Counsellor: '));
  if (st.editing) {
    li.append(h('label', { class: 'sr', for: 'edit-' + m.id }, 'Edit your message'),
      h('textarea', { id: 'edit-' + m.id, class: 'edit', rows: 3, maxlength: 4000, value: m.body }),
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

/** visible lists what a client sees of a timeline and an outbox: stored messages, then what is waiting. */
export function visible(timeline, outbox) {
  const out = timeline.list().filter((m) => !m.deleted);
  if (outbox) for (const p of outbox.list()) if (!timeline.hasClientMessageId(p.clientMessageId)) out.push({ ...p, senderRole: 'client' });
  return out;
}

/** composer is the message form: a labelled text area (Enter sends, Shift+Enter is a new line) and Send. */
export function composer(id, onSend, onType) {
  const input = h('textarea', { id, rows: 2, maxlength: 4000, placeholder: 'Write a message', oninput: onType });
  const form = h('form', { class: 'composer' }, h('label', { class: 'sr', for: id }, 'Your message'), input,
    h('button', { type: 'submit', class: 'primary' }, 'Send'));
  const send = () => {
    const body = input.value.trim();
    if (!body) return;
    input.value = '';
    onSend(body);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  return { form, input };
}
