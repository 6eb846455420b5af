// DOM helpers of both clients. Every string goes in as text (a text node or
// textContent) or as the value of an attribute: nothing here ever parses
// HTML, so what people write can never become markup.

/**
 * h builds an element. props: text (its textContent), class or className,
 * dataset (data-* attributes), value (the property), on<event> (a
 * listener); any other key is an attribute (true: present; false, null or
 * undefined: absent). kids are nodes or strings (text nodes), in arrays as
 * deep as they come; null and false are skipped.
 */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class' || k === 'className') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of kids.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** button is a <button type=button>. */
export function button(text, props) {
  return h('button', { type: 'button', ...props }, text);
}

/** byId returns the element with this id (a page's static markup); it throws when there is none. */
export function byId(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error('the page has no #' + id);
  return e;
}

/** setText replaces a node's content with text. */
export function setText(node, text) {
  node.textContent = text === null || text === undefined ? '' : String(text);
}

/** show shows or hides an element with the hidden attribute. */
export function show(node, visible) {
  node.hidden = !visible;
}

/**
 * bindComposer makes a message form work the same in both clients: Enter
 * sends, Shift+Enter starts a new line (and nothing is sent while an input
 * method is composing); the text is trimmed, and an empty one is not sent.
 * send(body) returns why it did not take the text (the text then stays in
 * the box, never cut), or null: the box is emptied.
 */
export function bindComposer(form, input, send) {
  const submit = () => {
    const body = input.value.trim();
    if (body && send(body) === null) input.value = '';
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
}
