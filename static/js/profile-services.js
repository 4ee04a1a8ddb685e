// The services an instructor offers, on #/profile: price, durations, age groups and lesson
// locations, through PUT / DELETE /api/instructors/me/services/{id} and the catalog's
// GET /api/catalog/services. A 400 is shown next to the field it names.
import { api, ApiError, describeError } from './api.js';
import { h, money, placeholder, replace } from './dom.js';
import { field, showErrors } from './profile.js';

const DURATIONS = [30, 45, 60, 90, 120];
const AGE_GROUPS = [['kids', 'Kids'], ['teens', 'Teens'], ['adults', 'Adults']];
const LOCATIONS = [['student_home', "Student's home"], ['instructor_studio', 'Your studio'], ['online', 'Online']];
const words = (pairs, keys) => keys.map((k) => pairs.find(([v]) => v === k)?.[1] ?? k).join(', ');

// A group of checkboxes with one error line: { wrap, input (the fieldset), error, values() }.
function checkboxes(id, legend, options) {
  const boxes = options.map(([value, label]) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: String(value), 'data-testid': `${id}-${value}` }), ` ${label}`));
  const error = h('span', { class: 'field-error', id: `${id}-error`, 'data-testid': `${id}-error` });
  const wrap = h('fieldset', { class: 'field checks', 'aria-describedby': `${id}-error` }, h('legend', { class: 'field-label' }, legend),
    h('div', { class: 'check-row-inline' }, boxes), error);
  const inputs = () => [...wrap.querySelectorAll('input')];
  return {
    wrap, input: wrap, error,
    values: () => inputs().filter((i) => i.checked).map((i) => i.value),
    set: (values) => { for (const i of inputs()) i.checked = values.map(String).includes(i.value); },
  };
}

export function mountServicesEditor(container, ctx, { onChange = () => {} } = {}) {
  let alive = true;
  let catalog = [];
  let offered = [];
  const status = h('div', { class: 'banner', 'data-testid': 'services-status', role: 'status', hidden: true });
  const list = h('div', {}, placeholder('loading', 'Loading your services…'));
  const editor = h('div', {});
  replace(container, status, list, editor);

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  const service = field('offer-service', 'Service', h('select', { 'data-testid': 'offer-service' }));
  const rate = field('offer-rate', 'Hourly rate (US dollars)', h('input', { type: 'number', min: 1, max: 1000, step: 1, inputmode: 'decimal', 'data-testid': 'offer-rate' }));
  const durations = checkboxes('offer-durations', 'Lesson lengths', DURATIONS.map((m) => [m, `${m} min`]));
  const ages = checkboxes('offer-ages', 'Age groups', AGE_GROUPS);
  const places = checkboxes('offer-locations', 'Where lessons happen', LOCATIONS);
  const fields = { service_id: service, hourly_rate_cents: rate, durations_minutes: durations, age_groups: ages, locations: places };
  const save = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'offer-save' }, 'Save service');
  const heading = h('h3', { class: 'offer-heading' }, 'Add a service');
  const form = h('form', { class: 'offer-form', 'data-testid': 'offer-form', novalidate: true, onsubmit: (e) => submit(e) },
    heading, service.wrap, rate.wrap, durations.wrap, ages.wrap, places.wrap,
    h('div', { class: 'form-actions' }, save, h('button', { class: 'btn', type: 'button', onclick: () => edit(null) }, 'Clear')));

  function edit(offer) {
    showErrors(fields, {});
    heading.textContent = offer ? `Edit ${offer.service.name}` : 'Add a service';
    service.input.value = offer ? String(offer.service.id) : '';
    service.input.disabled = Boolean(offer);
    rate.input.value = offer ? String(offer.hourly_rate_cents / 100) : '';
    durations.set(offer?.durations_minutes ?? [60]);
    ages.set(offer?.age_groups ?? []);
    places.set(offer?.locations ?? []);
    if (offer) rate.input.focus();
  }

  async function submit(e) {
    e.preventDefault();
    showErrors(fields, {});
    const id = service.input.value;
    if (!id) {
      showErrors(fields, { service_id: 'Choose a service.' });
      return;
    }
    const dollars = Number(rate.input.value);
    const body = {
      hourly_rate_cents: Number.isFinite(dollars) && rate.input.value !== '' ? Math.round(dollars * 100) : 0,
      durations_minutes: durations.values().map(Number),
      age_groups: ages.values(),
      locations: places.values(),
    };
    save.disabled = true;
    try {
      await api.put(`/api/instructors/me/services/${id}`, body);
      if (!alive) return;
      const name = catalog.find((s) => String(s.id) === id)?.name ?? 'The service';
      showStatus(`${name} saved at ${money(body.hourly_rate_cents)} an hour.`, 'ok');
      edit(null);
      await load();
      onChange();
    } catch (err) {
      if (!alive) return;
      const byField = err instanceof ApiError ? err.fieldErrors() : {};
      showErrors(fields, byField);
      showStatus(Object.keys(byField).length ? 'Check the service fields marked below.' : `Couldn't save the service: ${describeError(err)}`, 'error');
    } finally {
      save.disabled = false;
    }
  }

  async function remove(offer, button) {
    button.disabled = true;
    try {
      await api.del(`/api/instructors/me/services/${offer.service.id}`);
      if (!alive) return;
      showStatus(`${offer.service.name} removed.`, 'ok');
      await load();
      onChange();
    } catch (err) {
      button.disabled = false;
      if (alive) showStatus(`Couldn't remove ${offer.service.name}: ${describeError(err)}`, 'error');
    }
  }

  function offerView(o) {
    return h('li', { class: 'offer-row', 'data-testid': 'offer-row', 'data-service': o.service.id },
      h('div', { class: 'offer-text' },
        h('strong', {}, o.service.name), ' ', h('span', { class: 'offer-price' }, `${money(o.hourly_rate_cents)}/h`),
        h('span', { class: 'muted small' }, `${o.durations_minutes.join(', ')} min · ${words(AGE_GROUPS, o.age_groups)} · ${words(LOCATIONS, o.locations)}`)),
      h('div', { class: 'offer-actions' },
        h('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'offer-edit', 'aria-label': `Edit ${o.service.name}`, onclick: () => edit(o) }, 'Edit'),
        h('button', { class: 'btn btn-small btn-danger', type: 'button', 'data-testid': 'offer-remove', 'aria-label': `Remove ${o.service.name}`, onclick: (e) => remove(o, e.currentTarget) }, 'Remove')));
  }

  async function load() {
    try {
      const [services, me] = await Promise.all([
        catalog.length ? catalog : api.get('/api/catalog/services'),
        api.get(`/api/instructors/${ctx.me.id}`),
      ]);
      if (!alive) return;
      if (!catalog.length) {
        catalog = services;
        const byCategory = new Map();
        for (const s of catalog) {
          const name = s.category?.name ?? 'Other';
          if (!byCategory.has(name)) byCategory.set(name, []);
          byCategory.get(name).push(s);
        }
        replace(service.input, h('option', { value: '' }, 'Choose a service'),
          [...byCategory].map(([name, items]) => h('optgroup', { label: name }, items.map((s) => h('option', { value: String(s.id) }, s.name)))));
        replace(editor, form);
        edit(null);
      }
      offered = me.services ?? [];
      replace(list, offered.length
        ? h('ul', { class: 'offer-list', 'aria-label': 'Services you offer' }, offered.map(offerView))
        : placeholder('empty', 'You offer no services yet: add one below.'));
    } catch (err) {
      if (alive) replace(list, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  load();
  return () => { alive = false; };
}
