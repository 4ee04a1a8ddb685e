// The filters of a search as removable chips (#/search). Removing one keeps the rest of the search:
// the other filters and the user's own words. A filter given directly is dropped from the address; one
// read from the free text is taken out of the text: the words the server says it read it from
// (`understood_from`), nothing else.
import { money } from './dom.js';
import { formatMoment } from './time.js';

const AGE_WORDS = { kids: 'Kids', teens: 'Teens', adults: 'Adults' };

// What each chip is in `understood`, compared to tell whether a text still says it (null: it does not).
const READS = {
  service: (u) => u.service ?? null,
  age_group: (u) => (u.age_group ? `${u.age_group} ${u.age ?? ''}` : null),
  near: (u) => u.place?.name ?? null,
  max_price_cents: (u) => u.max_price_cents ?? null,
  window: (u) => (u.start && u.end ? JSON.stringify([u.start, u.end, u.times ?? null]) : null),
  online: (u) => u.online ?? null,
};
// The query parameters that give each chip directly.
const PARAMS = {
  service: ['service'], age_group: ['age_group'], near: ['near'], max_price_cents: ['max_price_cents'],
  window: ['start', 'end'], online: ['online'],
};

function windowWords(start, end, times, tz) {
  const day = (iso) => formatMoment(new Date(iso), tz, { zone: false, weekday: 'short' });
  let text = `${day(start)} – ${day(end)}`;
  if (times?.weekdays) text += ` · ${times.weekdays.join(', ')}`;
  if (times?.start_time || times?.end_time) text += ` · ${times.start_time ?? '00:00'}–${times.end_time ?? '24:00'}`;
  return text;
}

// The filters in effect: { key, label, explicit: {param: value}, fromText } (explicit: how to give it directly).
export function chipsOf(understood, asked, names, tz) {
  const u = understood ?? {};
  const chips = [];
  const add = (key, label, explicit) => chips.push({ key, label, explicit, fromText: PARAMS[key].every((p) => asked[p] == null) });
  const service = asked.service ?? u.service;
  if (service) add('service', names.get(service) ?? service, { service });
  const group = asked.age_group ?? u.age_group;
  if (group) add('age_group', `${AGE_WORDS[group] ?? group}${!asked.age_group && u.age != null ? ` (age ${u.age})` : ''}`, { age_group: group });
  const near = asked.near ?? u.place?.name;
  if (near) add('near', `Near ${near}`, { near });
  const price = asked.max_price_cents ?? u.max_price_cents;
  if (price) add('max_price_cents', `Up to ${money(Number(price))}/h`, { max_price_cents: price });
  const start = asked.start ?? u.start;
  const end = asked.end ?? u.end;
  if (start && end) add('window', windowWords(start, end, asked.start ? null : u.times, tz), { start, end });
  if (asked.online === 'true' || u.online) add('online', 'Online', { online: 'true' });
  return chips;
}

// Where the text says each chip, from the server's `understood_from` (character spans of `q`).
const SPANS = {
  service: (f) => f.service, age_group: (f) => f.age_group ?? f.age, near: (f) => f.place,
  max_price_cents: (f) => f.max_price_cents, window: (f) => f.start, online: (f) => f.online,
};

// `q` less the characters of `spans` ([[start, end]]), its spaces tidied.
export function textWithout(q, spans) {
  let text = q;
  for (const [start, end] of [...spans].sort((a, b) => b[0] - a[0])) text = `${text.slice(0, start)} ${text.slice(end)}`;
  return text.replace(/\s+/g, ' ').trim();
}

// The search (address parameters) without `removed` and with everything else it had; `understand(text)`
// resolves to what the server reads in `text` alone ({understood, understood_from}): two readings at most.
export async function searchWithout(asked, chips, removed, understand) {
  const next = { ...asked };
  for (const param of PARAMS[removed.key]) delete next[param];
  if (removed.key === 'near' && next.sort === 'distance') delete next.sort;
  const q = asked.q ?? '';
  if (!q.trim()) return next;
  const before = await understand(q);
  const spans = SPANS[removed.key](before.understood_from ?? {}) ?? [];
  if (!spans.length) return next; // the text never said it
  const text = textWithout(q, spans);
  const after = text ? (await understand(text)).understood : {};
  if (text) next.q = text;
  else delete next.q;
  // A filter the shorter text no longer reads the same is kept by giving it directly.
  for (const chip of chips) {
    if (chip !== removed && chip.fromText && READS[chip.key](after) !== READS[chip.key](before.understood)) Object.assign(next, chip.explicit);
  }
  return next;
}
