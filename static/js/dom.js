// A tiny element builder: h('button', { class: 'btn', 'data-testid': 'save', onclick }, 'Save').
// Attributes set to null/false are skipped; value/checked/disabled are set as properties.
// `style` goes through CSSOM: the Content-Security-Policy refuses style attributes (no 'unsafe-inline').
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden']);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  const props = [];
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) props.push([key, value]);
    else if (key === 'class') el.className = value;
    else if (key === 'style') el.style.cssText = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  for (const [key, value] of props) el[key] = value;
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function setHidden(el, hidden) {
  el.hidden = hidden;
}

// Works outside secure contexts too (crypto.randomUUID needs https or localhost).
export function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function money(cents) {
  return new Intl.NumberFormat(undefined, {
    style: 'currency', currency: 'USD', minimumFractionDigits: cents % 100 ? 2 : 0,
  }).format(cents / 100);
}

export function initials(name) {
  return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
}

// Loading, empty and error placeholders share one look.
export function placeholder(kind, text, action) {
  return h('div', { class: `placeholder placeholder-${kind}`, role: kind === 'error' ? 'alert' : null },
    kind === 'loading' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
    h('p', {}, text),
    action ?? null);
}
