// #/admin/catalog (admins): the categories in the order students see them, each with its icon,
// name, subtitle, slug, display order and services; add and edit categories and services
// (admin-catalog-forms.js); Move up / Move down swap display orders with the neighbour.
// Reads the public GET /api/catalog/categories (order, fields) and /api/catalog/services (each
// service's own category: the `kids` category's public list is computed from live offers).
import { api, describeError } from './api.js';
import { h, placeholder, replace } from './dom.js';
import { CATEGORIES, categoryBody, categoryForm, serviceForm } from './admin-catalog-forms.js';

const KIDS = 'kids';
export const ADMINS_ONLY = 'Admins only: the catalog is managed by InstaInstru admins.';

// New display orders for `list` once the item at index moves by delta: the two swap theirs, unless
// ties (equal orders sort by id) would put them elsewhere; then every category is renumbered 1..n.
export function reordered(list, index, delta) {
  const order = list.slice();
  [order[index], order[index + delta]] = [order[index + delta], order[index]];
  const proposed = new Map(list.map((c) => [c.id, c.display_order]));
  proposed.set(list[index].id, list[index + delta].display_order);
  proposed.set(list[index + delta].id, list[index].display_order);
  const sorted = order.slice().sort((a, b) => proposed.get(a.id) - proposed.get(b.id) || a.id - b.id);
  if (!sorted.every((c, i) => c === order[i])) order.forEach((c, i) => proposed.set(c.id, i + 1));
  return order.filter((c) => proposed.get(c.id) !== c.display_order).map((c) => [c, proposed.get(c.id)]);
}

export function mountAdminCatalog(root, ctx) {
  let alive = true;
  let categories = []; // display order, as GET /api/catalog/categories
  let services = []; // every service with its category, as GET /api/catalog/services
  let open = null; // the one open form: { slot (data-slot), form, opener (selector to focus after) }
  let busy = false; // a move is being saved
  const isAdmin = ctx.me.role === 'admin';
  const status = h('div', { class: 'banner', 'data-testid': 'catalog-status', role: 'status', hidden: true });
  const body = h('div', {}, placeholder('loading', 'Loading the catalog…'));
  const add = h('button', {
    class: 'btn btn-primary', type: 'button', 'data-testid': 'category-add',
    onclick: () => openForm('new-category', '[data-testid="category-add"]', categoryForm(null, {
      nextOrder: Math.min(10000, Math.max(0, ...categories.map((c) => c.display_order)) + 1),
      onSaved: (c) => saved(`${c.name} added.`, c.id),
      onCancel: closeForm,
    })),
  }, 'Add a category');
  replace(root, h('section', { class: 'page catalog-page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Catalog'),
        isAdmin ? h('p', { class: 'muted' }, 'Categories in the order students see them, with their services. Changes show at once.') : null),
      isAdmin ? add : null),
    status, h('div', { 'data-slot': 'new-category' }), body));

  if (!isAdmin) {
    replace(body, placeholder('empty', ADMINS_ONLY));
    return () => {};
  }

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  function openForm(slot, opener, form) {
    closeForm({ refocus: false });
    open = { slot, opener, form };
    root.querySelector(`[data-slot="${slot}"]`)?.append(form);
    form.querySelector('input, select')?.focus();
  }

  function closeForm({ refocus = true } = {}) {
    if (!open) return;
    const { form, opener } = open;
    open = null;
    form.remove();
    if (refocus) root.querySelector(opener)?.focus();
  }

  async function saved(text, categoryId) {
    if (open) { open.form.remove(); open = null; }
    showStatus(text, 'ok');
    await load(`[data-id="${categoryId}"] [data-testid="category-name"]`);
  }

  async function load(focus) {
    try {
      const [cats, all] = await Promise.all([api.get('/api/catalog/categories'), api.get('/api/catalog/services')]);
      if (!alive) return;
      categories = cats;
      services = all;
      render();
      if (focus) root.querySelector(focus)?.focus();
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: () => load() }, 'Try again')));
    }
  }

  function render() {
    const byCategory = new Map(categories.map((c) => [c.id, []]));
    for (const s of services) byCategory.get(s.category.id)?.push(s);
    replace(body, categories.length
      ? h('ol', { class: 'catalog-list', 'data-testid': 'catalog', 'aria-label': 'Categories in display order' },
        categories.map((c, i) => categoryCard(c, i, byCategory.get(c.id))))
      : placeholder('empty', 'No categories yet: add the first one.'));
    // An open form stays open (with what was typed) across a re-render, where its slot still is.
    if (open) {
      const slot = root.querySelector(`[data-slot="${open.slot}"]`);
      if (slot) slot.append(open.form);
      else open = null;
    }
  }

  function categoryCard(c, index, own) {
    const at = `[data-id="${c.id}"]`;
    const button = (testid, label, text, onclick, disabled = false) => h('button', {
      class: 'btn btn-small', type: 'button', 'data-testid': testid, 'aria-label': label, disabled: disabled || busy, onclick,
    }, text);
    const editCategory = () => openForm(`category-${c.id}`, `${at} [data-testid="category-edit"]`, categoryForm(c, {
      onSaved: (saved_) => saved(`${saved_.name} saved.`, c.id), onCancel: closeForm,
    }));
    const choices = (s) => categories.filter((k) => k.slug !== KIDS || k.id === s?.category.id);
    const addService = () => openForm(`new-service-${c.id}`, `${at} [data-testid="service-add"]`, serviceForm(null, {
      categoryId: c.id, categories: choices(null),
      onSaved: (s) => saved(`${s.name} added to ${s.category.name}.`, s.category.id), onCancel: closeForm,
    }));
    const editService = (s) => openForm(`service-${s.id}`, `[data-service="${s.id}"] [data-testid="service-edit"]`, serviceForm(s, {
      categories: choices(s),
      onSaved: (saved_) => saved(`${saved_.name} saved in ${saved_.category.name}.`, saved_.category.id), onCancel: closeForm,
    }));
    const kids = c.slug === KIDS;
    return h('li', { class: 'card catalog-category', 'data-testid': 'catalog-category', 'data-slug': c.slug, 'data-id': c.id },
      h('div', { class: 'catalog-category-head' },
        h('span', { class: 'catalog-icon', 'aria-hidden': 'true' }, (c.icon[0] ?? '?').toUpperCase()),
        h('div', { class: 'catalog-category-text' },
          h('h2', { class: 'catalog-category-name', tabindex: '-1', 'data-testid': 'category-name' }, c.name),
          c.subtitle ? h('p', { class: 'catalog-subtitle', 'data-testid': 'category-subtitle' }, c.subtitle) : null,
          h('p', { class: 'catalog-facts' },
            fact('Slug', h('code', { 'data-testid': 'category-slug' }, c.slug)),
            fact('Icon', h('code', { 'data-testid': 'category-icon' }, c.icon)),
            fact('Order', h('span', { 'data-testid': 'category-order' }, String(c.display_order))))),
        h('div', { class: 'catalog-actions' },
          button('category-up', `Move ${c.name} up`, '↑ Up', (e) => move(index, -1, e), index === 0),
          button('category-down', `Move ${c.name} down`, '↓ Down', (e) => move(index, 1, e), index === categories.length - 1),
          button('category-edit', `Edit ${c.name}`, 'Edit', editCategory))),
      h('div', { 'data-slot': `category-${c.id}` }),
      kids ? h('p', { class: 'catalog-note' }, 'Students see here every service a live instructor offers to kids, from any category.') : null,
      own.length || !kids
        ? h('ul', { class: 'catalog-services', 'aria-label': `${c.name} services` }, own.length
          ? own.map((s) => h('li', { class: 'catalog-service', 'data-testid': 'catalog-service', 'data-service': s.id, 'data-slug': s.slug },
            h('div', { class: 'catalog-service-row' },
              h('span', { class: 'catalog-service-text' }, h('span', { 'data-testid': 'service-name' }, s.name), ' ', h('code', {}, s.slug)),
              button('service-edit', `Edit ${s.name}`, 'Edit', () => editService(s))),
            h('div', { 'data-slot': `service-${s.id}` })))
          : h('li', { class: 'catalog-service muted' }, 'No services yet.'))
        : null,
      kids ? null : h('div', { class: 'catalog-add-service' },
        h('button', { class: 'btn btn-small btn-secondary', type: 'button', 'data-testid': 'service-add', 'aria-label': `Add a service to ${c.name}`, onclick: addService }, '+ Add a service')),
      h('div', { 'data-slot': `new-service-${c.id}` }));
  }

  async function move(index, delta, event) {
    if (busy) return;
    const moving = categories[index];
    const changes = reordered(categories, index, delta);
    const direction = delta < 0 ? 'up' : 'down';
    busy = true;
    for (const b of root.querySelectorAll('[data-testid="category-up"], [data-testid="category-down"]')) b.disabled = true;
    const tapped = event.currentTarget.dataset.testid;
    try {
      for (const [c, order] of changes) await api.put(`${CATEGORIES}/${c.id}`, categoryBody(c, { display_order: order }));
      if (alive) showStatus(`${moving.name} moved ${direction}.`, 'ok');
    } catch (err) {
      if (alive) showStatus(`Couldn't move ${moving.name}: ${describeError(err)}`, 'error');
    }
    busy = false;
    if (!alive) return;
    await load();
    // Keep the keyboard on the moved category: the same button, or the other one at an end.
    const at = `[data-id="${moving.id}"]`;
    const same = root.querySelector(`${at} [data-testid="${tapped}"]`);
    (same && !same.disabled ? same : root.querySelector(`${at} [data-testid="category-${direction === 'up' ? 'down' : 'up'}"]`))?.focus();
  }

  load();
  return () => { alive = false; };
}

function fact(label, value) {
  return h('span', { class: 'catalog-fact' }, h('span', { class: 'muted' }, `${label} `), value);
}
