// The instructor directory (#/instructors) and the cached list other views look names up in.
import { api, describeError } from './api.js';
import { h, initials, money, placeholder, replace } from './dom.js';
import { zoneCity } from './time.js';

let cached = null;

export function loadInstructors({ fresh = false } = {}) {
  if (!cached || fresh) {
    cached = api.get('/api/instructors').then((list) => list ?? []);
    cached.catch(() => { cached = null; });
  }
  return cached;
}

export async function findInstructor(id) {
  const match = (list) => list.find((i) => String(i.id) === String(id)) ?? null;
  return match(await loadInstructors()) ?? match(await loadInstructors({ fresh: true }));
}

export function durationsLabel(minutes) {
  return minutes.map((m) => (m % 60 ? `${m} min` : `${m / 60} h`)).join(' · ');
}

function instructorCard(instructor) {
  const services = instructor.services ?? [];
  return h('li', { class: 'card instructor-card' },
    h('a', { class: 'instructor-link', href: `#/instructor/${instructor.id}`, 'data-testid': 'instructor-link', 'data-id': instructor.id },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(instructor.full_name)),
      h('span', { class: 'instructor-main' },
        h('span', { class: 'instructor-name' }, instructor.full_name),
        h('span', { class: 'muted small' }, `${zoneCity(instructor.timezone)} time`)),
      h('span', { class: 'chevron', 'aria-hidden': 'true' }, '›')),
    services.length
      ? h('ul', { class: 'service-chips' }, services.map((s) => h('li', { class: 'chip' },
        h('strong', {}, s.name), ` ${money(s.hourly_rate_cents)}/h`)))
      : h('p', { class: 'muted small' }, 'No services listed yet'));
}

export function mountInstructorList(root) {
  let alive = true;
  let all = [];
  const list = h('ul', { class: 'instructor-grid' });
  const body = h('div', {}, placeholder('loading', 'Loading instructors…'));
  const search = h('input', {
    type: 'search', class: 'search-input', placeholder: 'Filter by name or lesson (e.g. piano)',
    'aria-label': 'Filter instructors', oninput: () => render(),
  });

  const render = () => {
    const q = search.value.trim().toLowerCase();
    const shown = all.filter((i) => !q || i.full_name.toLowerCase().includes(q)
      || (i.services ?? []).some((s) => s.name.toLowerCase().includes(q)));
    if (!all.length) replace(body, placeholder('empty', 'No instructors are available yet. Check back soon.'));
    else if (!shown.length) replace(body, placeholder('empty', `No instructors match “${search.value.trim()}”.`));
    else replace(body, replace(list, shown.map(instructorCard)));
  };

  const load = async () => {
    replace(body, placeholder('loading', 'Loading instructors…'));
    try {
      all = await loadInstructors({ fresh: true });
      if (alive) render();
    } catch (err) {
      if (alive) {
        replace(body, placeholder('error', describeError(err),
          h('button', { class: 'btn', onclick: load }, 'Try again')));
      }
    }
  };

  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Find an instructor'),
        h('p', { class: 'muted' }, 'Pick an instructor to see their open times for the next two weeks.')),
      search),
    body));
  load();
  return () => { alive = false; };
}
