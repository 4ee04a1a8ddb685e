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

// Minute spans → clock ranges, for showing pieces of a day.
const asRanges = (spans) => spans.map(([s, e]) => ({ start: toClock(s), end: toClock(e) }));

function subtractAll(spans, cuts) {
  return cuts.reduce((rest, cut) => subtractSpans(rest, cut), spans);
}

function intersect(spans, [s, e]) {
  return spans.map(([a, b]) => [Math.max(a, s), Math.min(b, e)]).filter(([a, b]) => a < b);
}

// What `mine` changed on top of `base`, per date: { date: { added: [range], removed: [range] } }.
export function diffDays(base, mine) {
  const out = {};
  for (const date of [...new Set([...Object.keys(base), ...Object.keys(mine)])].sort()) {
    const b = mergeSpans(toSpans(base[date] ?? []));
    const m = mergeSpans(toSpans(mine[date] ?? []));
    const added = subtractAll(m, b);
    const removed = subtractAll(b, m);
    if (added.length || removed.length) out[date] = { added: asRanges(added), removed: asRanges(removed) };
  }
  return out;
}

// Re-applies a user's edits (from diffDays) onto the current week. Returns the new days, what could
// not be re-applied (a removal where a lesson is now booked, a day that has become read-only), and
// where someone else changed the same times too (worth a second look before saving).
export function reapplyEdits(current, edits, { bookedSpans, theirs, readOnly }) {
  const days = cloneDays(current);
  const skipped = [];
  const overlapping = [];
  for (const [date, { added, removed }] of Object.entries(edits)) {
    if (readOnly(date)) {
      for (const r of [...added, ...removed]) skipped.push({ date, ...r, reason: 'this day has passed' });
      continue;
    }
    let spans = toSpans(days[date] ?? []);
    for (const r of added) spans = mergeSpans([...spans, [toMinutes(r.start), toMinutes(r.end)]]);
    const booked = bookedSpans(date);
    for (const r of removed) {
      const cut = [toMinutes(r.start), toMinutes(r.end)];
      const kept = intersect(booked, cut);
      for (const [s, e] of kept) skipped.push({ date, start: toClock(s), end: toClock(e), reason: 'a lesson is booked then' });
      spans = mergeSpans([...subtractSpans(spans, cut), ...kept]);
    }
    days[date] = fromSpans(spans);
    const other = theirs[date];
    if (other) {
      const otherSpans = toSpans([...other.added, ...other.removed]);
      for (const r of [...added, ...removed]) {
        for (const [s, e] of otherSpans.flatMap((span) => intersect([[toMinutes(r.start), toMinutes(r.end)]], span))) {
          overlapping.push({ date, start: toClock(s), end: toClock(e) });
        }
      }
    }
  }
  return { days, skipped, overlapping };
}
