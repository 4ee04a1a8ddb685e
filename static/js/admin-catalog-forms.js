// The admin catalog's two forms (admin-catalog.js): a category (slug, name, icon, subtitle, display
// order) and a service (slug, name, category), saved through /api/admin/catalog/*. The server's 400
// is said in words next to the field it names; a 409 duplicate_slug at the slug field.
import { api, ApiError, describeError } from './api.js';
import { h } from './dom.js';
import { field, showErrors } from './profile.js';

export const CATEGORIES = '/api/admin/catalog/categories';
export const SERVICES = '/api/admin/catalog/services';
const SLUG_WORDS = 'Use lowercase letters and digits, words joined by single hyphens (like music-theory).';

// msgspec's validation messages ("Expected `str` matching regex …") in words, per field.
export function inWords(key, message) {
  const text = String(message ?? '').replace(/ - at `\$[^`]*`$/, '');
  if (key === 'display_order') return 'A whole number from 0 to 10000 (lower comes first).';
  if (key === 'category_id' && /^Expected/.test(text)) return 'Choose a category.';
  if (/matching regex/.test(text)) {
    return key === 'icon' ? 'An icon name: lowercase letters and digits, words joined by hyphens (like music).' : SLUG_WORDS;
  }
  if (/length >= 1/.test(text)) return 'Required.';
  const longest = text.match(/length <= (\d+)/);
  if (longest) return `At most ${longest[1]} characters.`;
  return text || 'Not a valid value.';
}

// A name as a slug suggestion: "Música & Dance" → "musica-dance".
export function slugFrom(name) {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
}

// The body a category PUT needs: the whole category as the server keeps it.
export const categoryBody = (c, changes = {}) => ({
  slug: c.slug, name: c.name, icon: c.icon, subtitle: c.subtitle, display_order: c.display_order, ...changes,
});

function textInput(testid, maxlength, value, extra = {}) {
  return h('input', { type: 'text', maxlength, value: value ?? '', autocomplete: 'off', 'data-testid': testid, ...extra });
}

const slugInput = (testid, value) => textInput(testid, 80, value, { autocapitalize: 'none', spellcheck: 'false' });

// The form's frame: heading, fields, a message line, Save and Cancel; Escape cancels.
function formFrame(kind, heading, fields, onSubmit, onCancel) {
  for (const [key, f] of Object.entries(fields)) f.error.setAttribute('data-testid', `${kind}-${key}-error`);
  const message = h('p', { class: 'catalog-form-message', role: 'status', 'data-testid': `${kind}-form-message` });
  const save = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': `${kind}-save` }, 'Save');
  const form = h('form', {
    class: 'card catalog-form', 'data-testid': `${kind}-form`, novalidate: true, 'aria-label': heading,
    onsubmit: (e) => { e.preventDefault(); onSubmit(); },
    onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); onCancel(); } },
  }, h('h3', { class: 'catalog-form-title' }, heading),
  h('div', { class: 'catalog-form-fields' }, Object.values(fields).map((f) => f.wrap)),
  message,
  h('div', { class: 'form-actions' }, save,
    h('button', { class: 'btn', type: 'button', 'data-testid': `${kind}-cancel`, onclick: onCancel }, 'Cancel')));
  return { form, save, message };
}

// Sends the form; on a refusal says it at the fields (first one focused) and resolves to null.
async function send(frame, fields, kind, slug, call) {
  showErrors(fields, {});
  frame.message.textContent = '';
  frame.save.disabled = true;
  try {
    return await call();
  } catch (err) {
    const errors = {};
    if (err instanceof ApiError && err.status === 409 && err.code === 'duplicate_slug') {
      errors.slug = `“${slug}” is taken: another ${kind} has this slug. Choose another.`;
    } else if (err instanceof ApiError && err.status === 400) {
      for (const item of err.extra) {
        const key = String(item?.key ?? '').split('.').pop();
        if (key in fields && !errors[key]) errors[key] = inWords(key, item.message);
      }
    }
    showErrors(fields, errors);
    const first = Object.keys(fields).find((key) => errors[key]);
    frame.message.textContent = first ? 'Not saved: see the marked field.' : `Not saved: ${describeError(err)}`;
    if (first) fields[first].input.focus();
    return null;
  } finally {
    frame.save.disabled = false;
  }
}

// category: null to add one (nextOrder is the suggested display order). onSaved(category).
export function categoryForm(category, { nextOrder, onSaved, onCancel }) {
  const id = (key) => `category-${category?.id ?? 'new'}-${key}`;
  const fields = {
    slug: field(id('slug'), 'Slug', slugInput('category-slug-input', category?.slug), 'In web addresses, e.g. music'),
    name: field(id('name'), 'Name', textInput('category-name-input', 120, category?.name)),
    icon: field(id('icon'), 'Icon name', slugInput('category-icon-input', category?.icon), 'The picture shown with it, e.g. music or globe'),
    subtitle: field(id('subtitle'), 'Subtitle (optional)', textInput('category-subtitle-input', 200, category?.subtitle)),
    display_order: field(id('display-order'), 'Display order', h('input', {
      type: 'number', min: 0, max: 10000, step: 1, inputmode: 'numeric', 'data-testid': 'category-order-input',
      value: String(category?.display_order ?? nextOrder),
    }), 'Lower comes first'),
  };
  if (category?.slug === 'kids') { // discovery computes the kids list by this slug (app/catalog/discovery.py)
    fields.slug.input.readOnly = true;
    fields.slug.wrap.querySelector('.field-hint').textContent = 'Fixed: students\' kids list is computed by this slug';
  }
  suggestSlug(category, fields);
  const frame = formFrame('category', category ? `Edit ${category.name}` : 'Add a category', fields, submit, onCancel);

  async function submit() {
    const order = fields.display_order.input.value.trim();
    const body = {
      slug: fields.slug.input.value.trim(), name: fields.name.input.value, icon: fields.icon.input.value.trim(),
      subtitle: fields.subtitle.input.value, display_order: order === '' ? null : Number(order),
    };
    const saved = await send(frame, fields, 'category', body.slug, () => (category
      ? api.put(`${CATEGORIES}/${category.id}`, body) : api.post(CATEGORIES, body)));
    if (saved) onSaved(saved);
  }
  return frame.form;
}

// service: null to add one under categoryId. categories: those a service may be in, in order.
export function serviceForm(service, { categoryId, categories, onSaved, onCancel }) {
  const id = (key) => `service-${service?.id ?? `new-${categoryId}`}-${key}`;
  const options = categories.map((c) => h('option', { value: String(c.id) }, c.name));
  const fields = {
    slug: field(id('slug'), 'Slug', slugInput('service-slug-input', service?.slug), 'In web addresses, e.g. jazz-piano'),
    name: field(id('name'), 'Name', textInput('service-name-input', 120, service?.name)),
    category_id: field(id('category'), 'Category', h('select', { 'data-testid': 'service-category-input' }, options)),
  };
  fields.category_id.input.value = String(service?.category.id ?? categoryId);
  suggestSlug(service, fields);
  const title = service ? `Edit ${service.name}` : `Add a service to ${categories.find((c) => c.id === categoryId)?.name ?? 'this category'}`;
  const frame = formFrame('service', title, fields, submit, onCancel);

  async function submit() {
    const body = {
      slug: fields.slug.input.value.trim(), name: fields.name.input.value,
      category_id: Number(fields.category_id.input.value),
    };
    const saved = await send(frame, fields, 'service', body.slug, () => (service
      ? api.put(`${SERVICES}/${service.id}`, body) : api.post(SERVICES, body)));
    if (saved) onSaved(saved);
  }
  return frame.form;
}

// A new item's slug follows its name until the admin types a slug of their own.
function suggestSlug(existing, fields) {
  if (existing) return;
  let typed = false;
  fields.slug.input.addEventListener('input', () => { typed = fields.slug.input.value !== ''; });
  fields.name.input.addEventListener('input', () => {
    if (!typed) fields.slug.input.value = slugFrom(fields.name.input.value);
  });
}
