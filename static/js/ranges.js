// Availability ranges of one local day: [{start: 'HH:MM', end: 'HH:MM'}], half-open, sorted,
// touching ranges merged — the same normal form the server keeps.
import { toClock, toMinutes } from './time.js';

function toSpans(ranges) {
  return ranges.map((r) => [toMinutes(r.start), toMinutes(r.end)]).sort((a, b) => a[0] - b[0]);
}

function fromSpans(spans) {
  return spans.map(([s, e]) => ({ start: toClock(s), end: toClock(e) }));
}

function mergeSpans(spans) {
  const merged = [];
  for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (e <= s) continue;
    const last = merged.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

function subtractSpans(spans, cut) {
  const out = [];
  for (const [s, e] of spans) {
    if (cut[1] <= s || cut[0] >= e) {
      out.push([s, e]);
      continue;
    }
    if (s < cut[0]) out.push([s, cut[0]]);
    if (cut[1] < e) out.push([cut[1], e]);
  }
  return out;
}

export function normalizeDay(ranges) {
  return fromSpans(mergeSpans(toSpans(ranges ?? [])));
}

export function addRange(ranges, startMin, endMin) {
  return fromSpans(mergeSpans([...toSpans(ranges), [startMin, endMin]]));
}

// Removes `range` from the day but keeps the parts of it that booked lessons occupy:
// a booked time can never be taken out of the availability.
export function removeRange(ranges, range, bookedSpans) {
  const cut = [toMinutes(range.start), toMinutes(range.end)];
  const kept = bookedSpans
    .map(([s, e]) => [Math.max(s, cut[0]), Math.min(e, cut[1])])
    .filter(([s, e]) => s < e);
  const rest = subtractSpans(toSpans(ranges), cut);
  return fromSpans(mergeSpans([...rest, ...kept]));
}

export function cloneDays(days) {
  return Object.fromEntries(Object.entries(days).map(([date, ranges]) => [date, normalizeDay(ranges)]));
}

export function sameDays(a, b) {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.every((k) => JSON.stringify(normalizeDay(a[k])) === JSON.stringify(normalizeDay(b[k])));
}
