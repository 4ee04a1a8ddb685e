// Search results (#/search?q=...&service=...&sort=...): what was understood as removable chips, a
// sort control, result cards with live next open times, "More" through next_cursor, and an empty
// state that says what to try. Removing a chip searches again with the remaining filters given
// directly (API.md: direct filters win; the text is dropped so the removed one is not read again).
import { api, describeError } from './api.js';
import { liveResults, resultCard, viewerZone } from './discovery-card.js';
import { h, money, placeholder, replace } from './dom.js';
import { loadCategories, searchBox, serviceNames } from './home.js';
import { formatMoment } from './time.js';

const FILTER_KEYS = ['q', 'service', 'age_group', 'max_price_cents', 'near', 'start', 'end', 'online', 'sort'];
const SORTS = [['relevance', 'Best match'], ['distance', 'Nearest'], ['price', 'Lowest price'], ['rating', 'Best rated']];
const AGE_WORDS = { kids: 'Kids', teens: 'Teens', adults: 'Adults' };
const PAGE = 20;

export function searchHash(params) {
  const kept = Object.entries(params).filter(([k, v]) => FILTER_KEYS.includes(k) && v != null && v !== '');
  return `#/search?${new URLSearchParams(kept)}`;
}

function windowWords(start, end, times, tz) {
  const day = (iso) => formatMoment(new Date(iso), tz, { zone: false, weekday: 'short' });
  let text = `${day(start)} – ${day(end)}`;
  if (times?.weekdays) text += ` · ${times.weekdays.join(', ')}`;
  if (times?.start_time || times?.end_time) text += ` · ${times.start_time ?? '00:00'}–${times.end_time ?? '24:00'}`;
  return text;
}

// The filters in effect as chips: { key, label, explicit: {param: value} } (explicit: how to give it directly).
function chipsOf(understood, asked, names, tz) {
  const u = understood ?? {};
  const chips = [];
  const service = asked.service ?? u.service;
  if (service) chips.push({ key: 'service', label: names.get(service) ?? service, explicit: { service } });
  const group = asked.age_group ?? u.age_group;
  if (group) {
    const age = !asked.age_group && u.age != null ? ` (age ${u.age})` : '';
    chips.push({ key: 'age_group', label: `${AGE_WORDS[group] ?? group}${age}`, explicit: { age_group: group } });
  }
  const near = asked.near ?? u.place?.name;
  if (near) chips.push({ key: 'near', label: `Near ${near}`, explicit: { near } });
  const price = asked.max_price_cents ?? u.max_price_cents;
  if (price) chips.push({ key: 'max_price_cents', label: `Up to ${money(Number(price))}/h`, explicit: { max_price_cents: price } });
  const start = asked.start ?? u.start;
  const end = asked.end ?? u.end;
  if (start && end) chips.push({ key: 'window', label: windowWords(start, end, asked.start ? null : u.times, tz), explicit: { start, end } });
  if (asked.online === 'true' || u.online) chips.push({ key: 'online', label: 'Online', explicit: { online: 'true' } });
  return chips;
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

  const removeChip = (chips, removed) => {
    const next = { sort: asked.sort };
    for (const chip of chips) if (chip !== removed) Object.assign(next, chip.explicit);
    if (next.sort === 'distance' && !next.near) delete next.sort;
    ctx.navigate(searchHash(next));
  };

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
