// The home page (#/, anyone): what InstaInstru is in one line, a free-text search box, and the
// categories in display order (Kids included, computed by the server) whose services open context
// lists (#/browse/music/piano: every piano instructor; #/browse/kids/piano: only kids-capable ones).
import { api, describeError } from './api.js';
import { liveResults, resultCard } from './discovery-card.js';
import { h, placeholder, replace } from './dom.js';

let categories = null;

export function loadCategories({ fresh = false } = {}) {
  if (!categories || fresh) {
    categories = api.get('/api/catalog/categories').then((list) => list ?? []);
    categories.catch(() => { categories = null; });
  }
  return categories;
}

export function serviceNames(list) {
  return new Map((list ?? []).flatMap((c) => c.services.map((s) => [s.slug, s.name])));
}

let boxes = 0;
export function searchBox(ctx, value = '') {
  const id = `search-q-${++boxes}`;
  const input = h('input', {
    id, type: 'search', name: 'q', class: 'search-input', value, maxlength: 200, required: true, 'data-testid': 'search-q',
    placeholder: 'e.g. piano for my 8 year old in Park Slope under $80', autocomplete: 'off',
  });
  return h('form', {
    class: 'search-box', role: 'search', 'data-testid': 'search-form',
    onsubmit: (e) => {
      e.preventDefault();
      const q = input.value.trim();
      if (q) ctx.navigate(`#/search?${new URLSearchParams({ q })}`);
    },
  },
  h('label', { class: 'sr-only', for: id }, 'What would you like to learn?'),
  input,
  h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'search-submit' }, 'Search'));
}

function categoryCard(category) {
  const services = category.services ?? [];
  return h('li', { class: 'card category-card', 'data-testid': 'category', 'data-slug': category.slug },
    h('h2', { class: 'category-name' }, category.name),
    category.subtitle ? h('p', { class: 'muted small' }, category.subtitle) : null,
    services.length
      ? h('ul', { class: 'category-services', 'aria-label': `${category.name} lessons` }, services.map((s) => h('li', {},
        h('a', { class: 'service-link', href: `#/browse/${category.slug}/${s.slug}`, 'data-testid': 'category-service', 'data-slug': s.slug }, s.name))))
      : h('p', { class: 'muted small' }, 'No instructors here yet.'));
}

export function mountHome(root, ctx) {
  let alive = true;
  const body = h('div', {}, placeholder('loading', 'Loading lessons…'));
  replace(root, h('section', { class: 'page discovery-page home-page' },
    h('div', { class: 'home-hero' },
      h('h1', {}, 'Private lessons near you'),
      h('p', { class: 'home-tagline', 'data-testid': 'home-tagline' },
        'InstaInstru finds you a vetted private instructor — music, languages, sports and more — and books an open time in a minute.'),
      searchBox(ctx)),
    h('h2', { class: 'section-title' }, 'Browse by category'),
    body));
  const load = async () => {
    try {
      const list = await loadCategories({ fresh: true });
      if (!alive) return;
      replace(body, list.length ? h('ul', { class: 'category-grid', 'data-testid': 'categories' }, list.map(categoryCard))
        : placeholder('empty', 'No lessons are listed yet. Check back soon.'));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  };
  load();
  return () => { alive = false; };
}

// #/browse/{category}/{service}: the service's live instructors in that category's context.
export function mountContextList(root, ctx, { category, service }) {
  let alive = true;
  let shown = [];
  let cursor = null;
  const path = `/api/catalog/services/${encodeURIComponent(service)}/instructors`;
  const fetchPage = (extra = {}) => api.get(path, { category, limit: 20, ...extra });
  const live = liveResults(ctx, () => fetchPage({ limit: Math.min(50, Math.max(shown.length, 1)) }).then((d) => d.results));
  const title = h('h1', {}, 'Instructors');
  const list = h('ul', { class: 'result-list', 'data-testid': 'search-results' });
  const more = h('button', { class: 'btn', 'data-testid': 'search-more', hidden: true, onclick: () => page() }, 'More instructors');
  const body = h('div', {}, placeholder('loading', 'Loading instructors…'));
  replace(root, h('section', { class: 'page discovery-page' },
    h('a', { href: '#/', class: 'back-link' }, '‹ All categories'),
    h('div', { class: 'page-head' }, title), body));

  const add = (results) => results.forEach((r) => { const card = resultCard(r, ctx); list.append(card.card); live.add(card); });
  async function page() {
    more.disabled = true;
    try {
      const data = await fetchPage(cursor ? { cursor } : {});
      if (!alive) return;
      shown = shown.concat(data.results);
      cursor = data.next_cursor;
      add(data.results);
      more.hidden = !cursor;
    } finally {
      more.disabled = false;
    }
  }
  (async () => {
    try {
      const [names, cats] = await Promise.all([loadCategories().then(serviceNames), loadCategories()]);
      const context = cats.find((c) => c.slug === category);
      const name = names.get(service) ?? service;
      title.textContent = context?.slug === 'kids' ? `${name} for kids` : `${name} instructors`;
      document.title = `${title.textContent} · InstaInstru`;
      await page();
      if (!alive) return;
      replace(body, shown.length ? [list, more] : placeholder('empty', `No ${name.toLowerCase()} instructors are live here yet.`,
        h('a', { class: 'btn', href: '#/' }, 'Browse other lessons')));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('a', { class: 'btn', href: '#/' }, 'All categories')));
    }
  })();
  return () => { alive = false; live.stop(); };
}
