// The filters of a search as removable chips (#/search). Removing one keeps the rest of the search:
// the other filters and the user's own words. A filter given directly is dropped from the address; one
// read from the free text is taken out of the text, word by word, as the server's own reader shows:
// a word belongs to the filter when the text without it reads that filter otherwise (one probe per
// word, all at once). A filter the text still says after that is given up with the text, as before.
import { money } from './dom.js';
import { formatMoment } from './time.js';

const AGE_WORDS = { kids: 'Kids', teens: 'Teens', adults: 'Adults' };
const MAX_PROBED_WORDS = 40;

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

// The text less the words `key` is read from, or '' when they cannot be told apart.
async function textWithout(q, key, understand, before) {
  const words = q.split(/\s+/);
  if (words.length > MAX_PROBED_WORDS) return '';
  const said = READS[key](before);
  const probes = await Promise.all(words.map((_, i) => understand(words.filter((__, j) => j !== i).join(' '))));
  const kept = words.filter((_, i) => READS[key](probes[i]) === said);
  return kept.length < words.length ? kept.join(' ') : '';
}

// The search (address parameters) without `removed` and with everything else it had; `understand(text)`
// resolves to what the server reads in `text` alone.
export async function searchWithout(asked, chips, removed, understand) {
  const next = { ...asked };
  for (const param of PARAMS[removed.key]) delete next[param];
  if (removed.key === 'near' && next.sort === 'distance') delete next.sort;
  const q = (asked.q ?? '').trim();
  if (!q) return next;
  const before = await understand(q);
  if (READS[removed.key](before) == null) return next; // the text never said it
  let text = await textWithout(q, removed.key, understand, before);
  let after = text ? await understand(text) : {};
  if (READS[removed.key](after) != null) [text, after] = ['', {}];
  if (text) next.q = text;
  else delete next.q;
  // A filter the shorter text no longer reads the same is kept by giving it directly.
  for (const chip of chips) {
    if (chip !== removed && chip.fromText && READS[chip.key](after) !== READS[chip.key](before)) Object.assign(next, chip.explicit);
  }
  return next;
}
