// The header's main navigation: a row of links where they fit beside the rest of the header; on a
// phone, and wherever they do not fit (a tablet, for the roles with many links), a Menu button that
// shows them as a panel (the disclosure pattern). Escape, a chosen link or Tab past the last one
// closes it; the first two return focus to the button.
import { h } from './dom.js';

const PHONE = matchMedia('(max-width: 640px)'); // the stylesheet's phone width
const MENU_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z"/></svg>';

export function mainMenu(links) {
  const list = h('ul', { class: 'topnav-links', id: 'main-menu' }, links.filter(Boolean).map((link) => h('li', {}, link)));
  const button = h('button', {
    type: 'button', class: 'menu-button', 'aria-expanded': 'false', 'aria-controls': 'main-menu', 'data-testid': 'menu-button',
    onclick: () => setOpen(!isOpen()),
  }, 'Menu');
  button.insertAdjacentHTML('afterbegin', MENU_ICON);
  const nav = h('nav', { class: 'topnav', 'aria-label': 'Main' }, button, list);

  const isOpen = () => nav.classList.contains('is-open');
  const shownLinks = () => [...list.querySelectorAll('a:not([hidden])')];
  // composedPath, not contains(): a chosen link's page may have re-rendered the header already.
  const onOutside = (e) => { if (!e.composedPath().includes(nav)) setOpen(false); };

  function setOpen(open, { refocus = false } = {}) {
    nav.classList.toggle('is-open', open);
    button.setAttribute('aria-expanded', String(open));
    if (open) document.addEventListener('pointerdown', onOutside);
    else document.removeEventListener('pointerdown', onOutside);
    if (refocus) button.focus();
  }

  // Up and Down walk the links (Down from the button enters them), Home and End jump to the ends.
  function moveFocus(key) {
    const shown = shownLinks();
    const at = shown.indexOf(document.activeElement);
    const to = { ArrowDown: at + 1, ArrowUp: at < 0 ? shown.length - 1 : at - 1, Home: 0, End: shown.length - 1 }[key];
    shown[Math.min(Math.max(to, 0), shown.length - 1)]?.focus();
  }

  nav.addEventListener('keydown', (e) => {
    if (!isOpen()) return;
    if (e.key === 'Escape') setOpen(false, { refocus: true });
    else if (['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) moveFocus(e.key);
    else return;
    e.preventDefault();
  });
  nav.addEventListener('focusout', (e) => {
    if (isOpen() && e.relatedTarget && !nav.contains(e.relatedTarget)) setOpen(false);
  });
  list.addEventListener('click', (e) => {
    if (isOpen() && e.target.closest('a')) setOpen(false, { refocus: true });
  });

  // The header is drawn again when the session comes back as a page loads: the new menu takes over
  // the old one's open state and the keyboard's place (the button, or a link by its address).
  function state() {
    const active = nav.contains(document.activeElement) ? document.activeElement : null;
    return { open: isOpen(), focus: active === button ? 'button' : active?.getAttribute('href') ?? null };
  }
  function restore({ open, focus }) {
    if (open) setOpen(true);
    const link = shownLinks().find((a) => a.getAttribute('href') === focus);
    if (focus) (link ?? button).focus();
  }

  // Always on a phone; wider, measured with the row shown, as how many links fit depends on the role.
  function fit() {
    const bar = nav.parentElement;
    if (!bar) return;
    nav.classList.remove('is-compact');
    const compact = PHONE.matches || bar.scrollWidth > bar.clientWidth;
    nav.classList.toggle('is-compact', compact);
    if (!compact && isOpen()) setOpen(false);
  }

  return { nav, close: () => { if (isOpen()) setOpen(false); }, state, restore, fit };
}
