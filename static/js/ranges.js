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

// How far `range` may move or stretch on its day: up to its neighbouring ranges (and any lesson
// outside it), and never off a lesson booked inside it (`cover`: the span it must keep).
export function rangeLimits(ranges, range, bookedSpans) {
  const s = toMinutes(range.start);
  const e = toMinutes(range.end);
  let lo = 0;
  let hi = 1440;
  let cover = null;
  for (const [a, b] of toSpans(ranges)) {
    if (a === s && b === e) continue;
    if (b <= s) lo = Math.max(lo, b);
    else if (a >= e) hi = Math.min(hi, a);
  }
  for (const [a, b] of bookedSpans) {
    if (b <= s) lo = Math.max(lo, b);
    else if (a >= e) hi = Math.min(hi, a);
    else cover = cover ? [Math.min(cover[0], a), Math.max(cover[1], b)] : [a, b];
  }
  return { lo, hi, cover };
}

// `range` moved (mode 'move') or with its 'start' or 'end' edge moved by `delta` minutes, held
// inside its limits and at least `shortest` minutes long.
export function reshapeRange(range, mode, delta, { lo, hi, cover }, shortest = 15) {
  let s = toMinutes(range.start);
  let e = toMinutes(range.end);
  if (mode === 'move') {
    let d = Math.min(Math.max(delta, lo - s), hi - e);
    if (cover) d = Math.min(Math.max(d, cover[1] - e), cover[0] - s);
    s += d;
    e += d;
  } else if (mode === 'start') {
    s = Math.min(Math.max(s + delta, lo), e - shortest, cover ? cover[0] : Infinity);
  } else {
    e = Math.max(Math.min(e + delta, hi), s + shortest, cover ? cover[1] : -Infinity);
  }
  return { start: toClock(s), end: toClock(e) };
}

// The day with `range` replaced by `next` (merged with a range it now touches).
export function replaceRange(ranges, range, next) {
  const rest = subtractSpans(toSpans(ranges), [toMinutes(range.start), toMinutes(range.end)]);
  return fromSpans(mergeSpans([...rest, [toMinutes(next.start), toMinutes(next.end)]]));
}
