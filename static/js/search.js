// Search results (#/search?q=...&service=...&sort=...): what was understood as removable chips
// (search-chips.js: removing one keeps the rest of the search, the user's words included), a sort
// control, result cards with live next open times, "More" through next_cursor, and an empty state that
// says what to try.
import { api, describeError } from './api.js';
import { liveResults, resultCard, viewerZone } from './discovery-card.js';
import { h, placeholder, replace } from './dom.js';
import { loadCategories, searchBox, serviceNames } from './home.js';
import { chipsOf, searchWithout } from './search-chips.js';

const FILTER_KEYS = ['q', 'service', 'age_group', 'max_price_cents', 'near', 'start', 'end', 'online', 'sort'];
const SORTS = [['relevance', 'Best match'], ['distance', 'Nearest'], ['price', 'Lowest price'], ['rating', 'Best rated']];
const PAGE = 20;

export function searchHash(params) {
  const kept = Object.entries(params).filter(([k, v]) => FILTER_KEYS.includes(k) && v != null && v !== '');
  return `#/search?${new URLSearchParams(kept)}`;
}

export function mountSearch(root, ctx, { query }) {
  const asked = Object.fromEntries(new URLSearchParams(query ?? ''));
  const tz = viewerZone(ctx);
  let alive = true;
  let shown = [];
  let cursor = null;
  const live = liveResults(ctx, () => run({ limit: Math.min(50, Math.max(shown.length, 1)) }).then((d) => d.results));

  const chipBar = h('ul', { class: 'filter-chips', 'data-testid': 'filter-chips', 'aria-label': 'Filters understood' });
  const sort = h('select', { 'data-testid': 'sort-select', 'aria-label': 'Sort results', onchange: () => ctx.navigate(searchHash({ ...asked, sort: sort.value })) },
    SORTS.map(([value, label]) => h('option', { value }, label)));
  sort.value = asked.sort ?? 'relevance';
  const list = h('ul', { class: 'result-list', 'data-testid': 'search-results' });
  const more = h('button', { class: 'btn', 'data-testid': 'search-more', hidden: true, onclick: () => loadMore() }, 'More instructors');
  const status = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite', 'data-testid': 'search-status' });
  const body = h('div', {}, placeholder('loading', 'Searching…'));

  replace(root, h('section', { class: 'page discovery-page' },
    h('div', { class: 'page-head search-head' },
      h('h1', {}, 'Find a lesson'),
      searchBox(ctx, asked.q ?? '')),
    h('div', { class: 'search-tools' }, chipBar,
      h('label', { class: 'field inline sort-field' }, h('span', { class: 'field-label' }, 'Sort'), sort)),
    status, body));

  function run(extra = {}) {
    const params = Object.fromEntries(FILTER_KEYS.map((k) => [k, asked[k]]));
    if (!ctx.me) params.tz = tz;
    return api.get('/api/search', { ...params, limit: PAGE, ...extra });
  }

  // What the server reads in a text alone (no filters given directly), as this search's zone does.
  const understand = (text) => api.get('/api/search', { q: text, limit: 1, ...(ctx.me ? {} : { tz }) });

  async function removeChip(chips, removed) {
    for (const button of chipBar.querySelectorAll('button')) button.disabled = true;
    status.textContent = `Removing the filter ${removed.label}…`;
    try {
      const next = await searchWithout(asked, chips, removed, understand);
      if (alive) ctx.navigate(searchHash(next));
    } catch (err) {
      if (!alive) return;
      status.textContent = describeError(err);
      for (const button of chipBar.querySelectorAll('button')) button.disabled = false;
    }
  }

  function renderChips(understood, names) {
    const chips = chipsOf(understood, asked, names, tz);
    replace(chipBar, chips.map((chip) => h('li', { class: 'filter-chip', 'data-testid': 'filter-chip', 'data-key': chip.key },
      h('span', {}, chip.label),
      h('button', {
        type: 'button', class: 'chip-remove', 'data-testid': 'chip-remove', 'aria-label': `Remove filter: ${chip.label}`,
        onclick: () => removeChip(chips, chip),
      }, '×'))));
    chipBar.hidden = !chips.length;
    sort.querySelector('option[value="distance"]').disabled = !chips.some((c) => c.key === 'near');
  }

  function show(results) {
    for (const result of results) {
      const card = resultCard(result, ctx);
      list.append(card.card);
      live.add(card);
    }
  }

  function emptyState() {
    const tries = ['piano lessons in Park Slope', 'guitar for my 10 year old', 'voice lessons online'];
    return placeholder('empty', 'No instructors match all of that.',
      h('div', { class: 'empty-tries' },
        h('p', { class: 'small' }, 'Try removing a filter (× on a chip above), a nearby neighborhood or a whole borough, a higher price, or “online”. Or try:'),
        h('ul', { class: 'try-list' }, tries.map((q) => h('li', {}, h('a', { href: searchHash({ q }), 'data-testid': 'search-try' }, q))))));
  }

  async function load() {
    try {
      const [data, categories] = await Promise.all([run(), loadCategories().catch(() => [])]);
      if (!alive) return;
      renderChips(data.understood, serviceNames(categories));
      shown = data.results;
      cursor = data.next_cursor;
      status.textContent = `${data.results.length}${cursor ? '+' : ''} instructors found.`;
      if (!shown.length) {
        replace(body, emptyState());
        return;
      }
      replace(body, list, more);
      show(shown);
      more.hidden = !cursor;
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('a', { class: 'btn', href: '#/' }, 'Start over')));
    }
  }

  async function loadMore() {
    more.disabled = true;
    try {
      const data = await run({ cursor });
      if (!alive) return;
      shown = shown.concat(data.results);
      cursor = data.next_cursor;
      show(data.results);
      more.hidden = !cursor;
      status.textContent = `${shown.length} instructors shown.`;
    } catch (err) {
      status.textContent = describeError(err);
    } finally {
      more.disabled = false;
    }
  }

  load();
  return () => { alive = false; live.stop(); };
}
