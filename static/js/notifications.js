// The notification bell: unread count (also in the bell's name), a paged dropdown feed whose items
// link to the lesson or week they are about, mark read, and live `notification.created` events.
import { api, describeError } from './api.js';
import { h, replace } from './dom.js';
import { formatMoment, relativeTime } from './time.js';

const PAGE_SIZE = 20;

const BELL_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/></svg>';

export function mountNotifications(container, ctx) {
  let alive = true;
  let items = [];
  let unread = 0;
  let hasMore = false;
  let loading = false;
  let error = '';

  const count = h('span', { class: 'notif-count', 'data-testid': 'notif-count', 'aria-hidden': 'true' }, '0');
  const bell = h('button', {
    class: 'btn-icon-plain notif-bell', 'data-testid': 'notif-bell', 'aria-haspopup': 'dialog',
    'aria-expanded': 'false', 'aria-label': 'Notifications', title: 'Notifications', onclick: () => toggle(),
  }, count);
  bell.insertAdjacentHTML('afterbegin', BELL_ICON);
  const readAll = h('button', { class: 'link-button', 'data-testid': 'notif-read-all', onclick: () => markAllRead() }, 'Mark all read');
  const list = h('ul', { class: 'notif-list' });
  const footer = h('div', { class: 'notif-footer' });
  const panel = h('div', { class: 'notif-panel', role: 'dialog', 'aria-label': 'Notifications', hidden: true },
    h('div', { class: 'notif-panel-head' }, h('strong', {}, 'Notifications'), readAll), list, footer);
  const root = h('div', { class: 'notif' }, bell, panel);
  replace(container, root);

  function renderCount() {
    count.textContent = String(unread);
    count.classList.toggle('is-zero', unread === 0);
    const name = unread ? `Notifications, ${unread} unread` : 'Notifications, none unread';
    bell.setAttribute('aria-label', name);
    bell.title = name;
    readAll.disabled = unread === 0;
  }

  // Each item is a link to what it is about (or a button that marks it read when it names nothing).
  function itemView(item) {
    const target = linkOf(item, ctx.me);
    // Re-rendering marks the link disconnected, and a disconnected link does not navigate: go ourselves.
    const open = (e) => {
      e.preventDefault();
      const href = e.currentTarget.getAttribute('href');
      markRead(item);
      toggle(false);
      ctx.navigate(href);
    };
    const content = [
      h('span', { class: 'notif-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'notif-text' },
        h('span', { class: 'notif-title' }, item.title, item.read_at ? null : h('span', { class: 'sr-only' }, ' (unread)')),
        item.body ? h('span', { class: 'notif-body' }, item.body) : null,
        h('time', { class: 'notif-time', datetime: item.created_at, title: formatMoment(new Date(item.created_at), ctx.me.timezone) },
          relativeTime(item.created_at))),
    ];
    const action = target
      ? h('a', { class: 'notif-link', href: target.href, 'data-testid': 'notif-link', onclick: open }, content)
      : h('button', { type: 'button', class: 'notif-link', onclick: () => markRead(item) }, content);
    const week = target?.week
      ? h('a', { class: 'notif-week', href: target.week, 'data-testid': 'notif-week', onclick: open }, 'Open the week')
      : null;
    return h('li', { class: `notif-item${item.read_at ? '' : ' is-unread'}`, 'data-testid': 'notif-item', 'data-id': item.id },
      action, week);
  }

  function render() {
    renderCount();
    // A refresh (the first page, a live event) keeps the keyboard on the item it was on.
    const active = list.contains(document.activeElement) ? document.activeElement : null;
    const activeId = active?.closest('[data-id]')?.dataset.id;
    replace(list, items.length ? items.map(itemView) : h('li', { class: 'notif-empty' }, loading ? 'Loading…' : "You're all caught up."));
    if (activeId) list.querySelector(`[data-id="${CSS.escape(activeId)}"] .${active.classList[0]}`)?.focus();
    replace(footer,
      error ? h('p', { class: 'notif-error' }, error) : null,
      hasMore ? h('button', { class: 'link-button', disabled: loading, onclick: () => loadOlder() }, loading ? 'Loading…' : 'Load older') : null);
  }

  async function loadFirstPage() {
    loading = true;
    try {
      const page = await api.get('/api/notifications', { limit: PAGE_SIZE });
      if (!alive) return;
      const pageItems = page.items ?? [];
      // Live events that arrived after the server built this page are not in it: keep them.
      const newest = pageItems.length ? pageItems[0].id : -Infinity;
      const newer = items.filter((i) => i.id > newest);
      items = [...newer, ...pageItems];
      unread = (page.unread ?? pageItems.filter((i) => !i.read_at).length) + newer.filter((i) => !i.read_at).length;
      hasMore = pageItems.length === PAGE_SIZE;
      error = '';
    } catch (err) {
      error = describeError(err);
    } finally {
      loading = false;
      if (alive) render();
    }
  }

  async function loadOlder() {
    if (loading || !items.length) return;
    loading = true;
    render();
    try {
      const page = await api.get('/api/notifications', { before: items.at(-1).id, limit: PAGE_SIZE });
      if (!alive) return;
      const known = new Set(items.map((i) => i.id));
      items = items.concat((page.items ?? []).filter((i) => !known.has(i.id)));
      unread = page.unread ?? unread;
      hasMore = (page.items ?? []).length === PAGE_SIZE;
      error = '';
    } catch (err) {
      error = describeError(err);
    } finally {
      loading = false;
      if (alive) render();
    }
  }

  async function markRead(item) {
    if (item.read_at) return;
    item.read_at = new Date().toISOString();
    unread = Math.max(0, unread - 1);
    render();
    try {
      await api.post(`/api/notifications/${item.id}/read`);
    } catch (err) {
      item.read_at = null;
      unread += 1;
      error = describeError(err);
      if (alive) render();
    }
  }

  async function markAllRead() {
    const before = items.map((i) => [i, i.read_at]);
    const previousUnread = unread;
    const now = new Date().toISOString();
    for (const item of items) item.read_at ??= now;
    unread = 0;
    render();
    try {
      await api.post('/api/notifications/read-all');
    } catch (err) {
      for (const [item, readAt] of before) item.read_at = readAt;
      unread = previousUnread;
      error = describeError(err);
      if (alive) render();
    }
  }

  function received(item) {
    if (!item || items.some((i) => i.id === item.id)) return;
    items = [item, ...items];
    if (!item.read_at) unread += 1;
    render();
    bell.classList.remove('ring');
    void bell.offsetWidth; // restart the animation
    bell.classList.add('ring');
  }

  function toggle(open = panel.hidden) {
    panel.hidden = !open;
    bell.setAttribute('aria-expanded', String(open));
    if (open) {
      error = '';
      render();
    }
  }

  // composedPath, not contains(): a clicked item may already be re-rendered out of the DOM.
  const onDocumentClick = (e) => { if (!panel.hidden && !e.composedPath().includes(root)) toggle(false); };
  // Escape gives the keyboard back to the bell, unless it had moved on into the page (a re-rendered
  // item leaves it on body).
  const onKey = (e) => {
    if (e.key !== 'Escape' || panel.hidden) return;
    const refocus = root.contains(document.activeElement) || document.activeElement === document.body;
    toggle(false);
    if (refocus) bell.focus();
  };
  document.addEventListener('click', onDocumentClick);
  document.addEventListener('keydown', onKey);
  // Tab (or Shift+Tab) out of the bell and its panel closes the panel, the keyboard where it went. Focus
  // dropped to nowhere (an item re-rendered under it) is no leaving.
  root.addEventListener('focusout', (e) => {
    if (!panel.hidden && e.relatedTarget && !root.contains(e.relatedTarget)) toggle(false);
  });

  const unsubscribe = ctx.socket.subscribe(`notifications:${ctx.me.id}`, {
    onSubscribed: (_msg, { resumed }) => { if (!resumed) loadFirstPage(); },
    onEvent: (msg) => { if (msg.type === 'notification.created') received(msg.data); },
    onResync: () => loadFirstPage(),
  });
  render();
  loadFirstPage();

  return {
    close: () => toggle(false), // the page changed under the open panel
    unmount: () => {
      alive = false;
      unsubscribe();
      document.removeEventListener('click', onDocumentClick);
      document.removeEventListener('keydown', onKey);
    },
  };
}

// Where a notification leads: its lesson on the lessons page, and for an instructor (or a
// calendar notice) the calendar week it falls in.
export function linkOf(item, me) {
  const data = item.data ?? {};
  const isInstructor = me && String(me.id) === String(data.instructor_id);
  const week = data.instructor_id && data.week_start ? `#/calendar/${data.instructor_id}/${data.week_start}` : null;
  if (data.booking_id) {
    const tab = item.type === 'booking.cancelled' ? 'cancelled' : 'upcoming';
    return { href: `#/bookings/${tab}/${data.booking_id}`, week: isInstructor ? week : null };
  }
  if (week) return { href: week, week: null };
  return null;
}
