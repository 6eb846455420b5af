// Small DOM helpers for the dashboard. Every string goes in as text
// (textContent or a text node) or as the value of a safe attribute: nothing
// here ever parses HTML, so user-supplied strings cannot become markup.

/**
 * el creates an element. props: text (textContent), className, dataset,
 * on<event> (listener), any other key is set with setAttribute (true: present,
 * false/null/undefined: absent). Children are nodes or strings (text nodes).
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'className') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** byId returns the element with this id (the page's static markup). */
export function byId(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error('dashboard markup is missing #' + id);
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
