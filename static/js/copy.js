// A read-only field with a Copy button; the Clipboard API where the page may use it, else select+copy.
import { h } from './dom.js';

let fields = 0;
export function copyField(label, value, testid) {
  const id = `${testid}-${++fields}`;
  const input = h('input', { id, class: 'copy-input', readonly: true, value, 'data-testid': testid, onfocus: () => input.select() });
  const said = h('span', { class: 'small muted', role: 'status', 'data-testid': `${testid}-copied` });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand('copy');
    }
    said.textContent = 'Copied';
    setTimeout(() => { said.textContent = ''; }, 2500);
  };
  const el = h('div', { class: 'field copy-field' },
    h('label', { class: 'field-label', for: id }, label),
    h('div', { class: 'copy-row' }, input,
      h('button', { type: 'button', class: 'btn btn-small', 'data-testid': `${testid}-copy`, 'aria-label': `Copy ${label.toLowerCase()}`, onclick: copy }, 'Copy')),
    said);
  return { el, set: (v) => { input.value = v; } };
}
