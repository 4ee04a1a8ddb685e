// #/profile (instructors): picture, headline, bio (the generated bio previewed while none is
// written), the place (a zip, a neighbourhood with suggestions, or a borough) and service radius,
// and the services offered. A 400 is shown next to the field it names.
import { api, ApiError, describeError } from './api.js';
import { h, placeholder, replace } from './dom.js';
import { BOROUGHS, NEIGHBORHOODS } from './neighborhoods.js';
import { mountPictureEditor } from './picture.js';
import { mountServicesEditor } from './profile-services.js';

const PLACE_KINDS = [['zip', 'Zip code'], ['neighborhood', 'Neighborhood'], ['borough', 'Borough']];

// A labelled field with its error line: { wrap, input, error }.
export function field(id, label, input, hint) {
  const error = h('span', { class: 'field-error', id: `${id}-error`, 'data-testid': `${id}-error` });
  input.id = id;
  input.setAttribute('aria-describedby', `${id}-error${hint ? ` ${id}-hint` : ''}`);
  const wrap = h('div', { class: 'field' },
    h('label', { class: 'field-label', for: id }, label), input,
    hint ? h('span', { class: 'field-hint', id: `${id}-hint` }, hint) : null, error);
  return { wrap, input, error };
}

export function showErrors(fields, errors) {
  for (const [key, f] of Object.entries(fields)) {
    const message = errors[key] ?? '';
    f.error.textContent = message;
    f.wrap.classList.toggle('has-error', Boolean(message));
    if (message) f.input.setAttribute('aria-invalid', 'true');
    else f.input.removeAttribute('aria-invalid');
  }
}

export function mountProfile(root, ctx) {
  let alive = true;
  const teardowns = [];
  const status = h('div', { class: 'banner', 'data-testid': 'profile-status', role: 'status', hidden: true });
  const pictureSlot = h('div', {});
  const formSlot = h('div', {}, placeholder('loading', 'Loading your profile…'));
  const servicesSlot = h('div', {});
  replace(root, h('section', { class: 'page page-narrow' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Your profile'),
      h('p', { class: 'muted' }, 'What students see when they find you.')),
      h('a', { class: 'btn', href: '#/onboarding' }, 'Onboarding checklist')),
    h('section', { class: 'card form-card', 'aria-labelledby': 'picture-heading' }, h('h2', { id: 'picture-heading' }, 'Picture'), pictureSlot),
    h('section', { class: 'card form-card', 'aria-labelledby': 'about-heading' }, h('h2', { id: 'about-heading' }, 'About you'), status, formSlot),
    h('section', { class: 'card form-card', 'aria-labelledby': 'services-heading' }, h('h2', { id: 'services-heading' }, 'Services'), servicesSlot)));

  if (ctx.me.role !== 'instructor') {
    replace(formSlot, placeholder('empty', 'Only instructors have a teaching profile.'));
    return () => {};
  }
  teardowns.push(mountPictureEditor(pictureSlot, ctx));
  teardowns.push(mountServicesEditor(servicesSlot, ctx, { onChange: () => loadProfile() }));

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  const headline = field('profile-headline', 'Headline', h('input', { type: 'text', maxlength: 120, 'data-testid': 'profile-headline' }), 'One line, e.g. "Patient piano teacher for beginners".');
  const bio = field('profile-bio', 'Bio', h('textarea', { rows: 5, maxlength: 2000, 'data-testid': 'profile-bio' }));
  const preview = h('div', { class: 'bio-preview', 'data-testid': 'bio-preview', hidden: true });
  const kind = field('profile-place-kind', 'Your place is given as', h('select', { 'data-testid': 'place-kind' },
    PLACE_KINDS.map(([value, label]) => h('option', { value }, label))));
  const place = field('profile-place', 'Zip code', h('input', { type: 'text', autocomplete: 'off', 'data-testid': 'place-value' }));
  const hoods = h('datalist', { id: 'place-suggestions' });
  const radius = field('profile-radius', 'Service radius (miles)', h('input', { type: 'number', min: 0.5, max: 50, step: 0.5, inputmode: 'decimal', 'data-testid': 'profile-radius' }), 'How far you travel to students: 0.5 to 50 miles.');
  const fields = { headline, bio, place, service_radius_miles: radius };
  const save = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'profile-save' }, 'Save profile');

  // The place input changes with its kind: a zip, a neighbourhood or borough with suggestions.
  function placeKind(value) {
    place.wrap.querySelector('label').textContent = PLACE_KINDS.find(([k]) => k === value)[1];
    const suggest = value === 'zip' ? [] : value === 'borough' ? BOROUGHS : NEIGHBORHOODS;
    replace(hoods, suggest.map((name) => h('option', { value: name })));
    if (suggest.length) place.input.setAttribute('list', 'place-suggestions');
    else place.input.removeAttribute('list');
    place.input.inputMode = value === 'zip' ? 'numeric' : 'text';
    place.input.placeholder = { zip: 'e.g. 11215', neighborhood: 'e.g. Park Slope', borough: 'e.g. Brooklyn' }[value];
  }
  kind.input.addEventListener('change', () => placeKind(kind.input.value));

  function fill(p) {
    headline.input.value = p.headline ?? '';
    bio.input.value = p.bio_generated ? '' : p.bio ?? '';
    const loc = p.location ?? {};
    const given = loc.zip ? 'zip' : loc.neighborhood ? 'neighborhood' : loc.borough ? 'borough' : 'zip';
    kind.input.value = given;
    placeKind(given);
    place.input.value = loc[given] ?? '';
    radius.input.value = p.service_radius_miles ?? '';
    showPreview(p);
  }

  // Shown while the instructor writes none: what students read instead.
  function showPreview(p) {
    preview.dataset.generated = p.bio_generated ? 'yes' : '';
    preview.hidden = !p.bio_generated || Boolean(bio.input.value.trim());
    replace(preview, h('span', { class: 'field-label' }, 'Students see this until you write your own:'), h('p', {}, p.bio));
  }
  bio.input.addEventListener('input', () => { preview.hidden = Boolean(bio.input.value.trim()) || !preview.dataset.generated; });

  async function submit(e) {
    e.preventDefault();
    showErrors(fields, {});
    const body = {
      headline: headline.input.value.trim() || null,
      bio: bio.input.value.trim() || null,
      location: { [kind.input.value]: place.input.value.trim() },
      service_radius_miles: Number(radius.input.value),
    };
    const local = {};
    if (!place.input.value.trim()) local.place = 'Say where you teach.';
    if (!radius.input.value || !Number.isFinite(body.service_radius_miles)) local.service_radius_miles = 'Give a radius in miles.';
    if (Object.keys(local).length) {
      showErrors(fields, local);
      return;
    }
    save.disabled = true;
    try {
      const saved = await api.put('/api/instructors/me/profile', body);
      if (!alive) return;
      fill(saved);
      const where = saved.location?.neighborhood ? ` (${saved.location.neighborhood}, ${saved.location.borough})` : saved.location?.borough ? ` (${saved.location.borough})` : '';
      showStatus(`Profile saved${where}.`, 'ok');
    } catch (err) {
      if (!alive) return;
      const byField = err instanceof ApiError ? err.fieldErrors() : {};
      // location.zip / location.neighborhood / location.borough / location all belong to the place input.
      const placeError = byField[kind.input.value] ?? byField.location ?? byField.zip ?? byField.neighborhood ?? byField.borough;
      showErrors(fields, { ...byField, place: placeError });
      showStatus(Object.keys(byField).length ? 'Check the fields marked below.' : `Couldn't save: ${describeError(err)}`, 'error');
    } finally {
      save.disabled = false;
    }
  }

  async function loadProfile() {
    try {
      const p = await api.get('/api/instructors/me/profile');
      if (!alive) return;
      if (!formSlot.querySelector('form')) {
        replace(formSlot, h('form', { class: 'profile-form', 'data-testid': 'profile-form', novalidate: true, onsubmit: submit },
          headline.wrap, bio.wrap, preview,
          h('div', { class: 'place-row' }, kind.wrap, place.wrap), hoods, radius.wrap,
          h('div', { class: 'form-actions' }, save)));
        fill(p);
      } else {
        showPreview(p); // a service changed: only the generated bio is new
      }
    } catch (err) {
      if (alive) replace(formSlot, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: loadProfile }, 'Try again')));
    }
  }

  loadProfile();
  return () => {
    alive = false;
    for (const teardown of teardowns) teardown();
  };
}
