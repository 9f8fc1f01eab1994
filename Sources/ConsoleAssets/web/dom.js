// Building the page from data. Everything an agent or the API sends is put into the page as
// text nodes or attribute values, never parsed as HTML: there is no innerHTML in the console,
// and the page's Content-Security-Policy (Trusted Types) would refuse one.

/** An element: `h('a', { href, class: 'x', onclick }, 'text', child, [more])`. */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** The same for SVG elements (the charts). */
export function s(tag, props, ...children) {
  return build(document.createElementNS('http://www.w3.org/2000/svg', tag), props, children);
}

function build(element, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (key === 'value' || key === 'checked' || key === 'disabled') {
      element[key] = value;
    } else {
      element.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends children: nodes as they are, anything else as text; null, undefined and false are skipped. */
export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replaces an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

/** Sets a node's text only when it changed (keeps selections and avoids layout work). */
export function setText(element, text) {
  const value = String(text ?? '');
  if (element.textContent !== value) element.textContent = value;
}

/** A definition list from `[term, value]` pairs; values may be nodes. */
export function definitions(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([term, value]) => [h('dt', null, term), h('dd', null, value ?? '—')]));
}

/** A table with a header row; `rows` are arrays of cells (text or nodes). */
export function table(headers, rows, props) {
  return h('table', props,
    h('thead', null, h('tr', null, headers.map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell) => h('td', null, cell))))));
}
