// Dates and wall-clock times. A "date" is 'YYYY-MM-DD', a "clock" is 'HH:MM' (end may be '24:00').
// Calendar arithmetic on dates is done in UTC so the browser's own timezone never leaks in.
// Every time the client shows is on one clock, whatever the browser's locale: '9:00 AM', like the
// notifications the server writes.

const LOCALE = 'en-US';
const formatters = new Map();

function formatter(options) {
  const key = JSON.stringify(options);
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(LOCALE, options));
  return formatters.get(key);
}

// ICU puts a narrow no-break space before AM/PM; the app writes (and its server sends) a plain one.
const format = (options, instant) => formatter(options).format(instant).replace(/[\u202f\u00a0]/g, ' ');
const CLOCK = { hour: 'numeric', minute: '2-digit', hour12: true };

export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function allTimeZones() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const list = new Set(zones.length ? zones : ['America/New_York', 'America/Chicago', 'America/Denver',
    'America/Los_Angeles', 'Europe/London', 'Europe/Paris', 'Asia/Tokyo', 'Australia/Sydney']);
  list.add('UTC');
  list.add(browserTimeZone());
  return [...list].sort();
}

// The calendar date of an instant as seen in `timeZone`.
export function dateIn(instant, timeZone) {
  const parts = formatter({ timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(instant);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function todayIn(timeZone) {
  return dateIn(new Date(), timeZone);
}

function utcDate(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isDate(value) {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && utcDate(value).toISOString().slice(0, 10) === value;
}

export function addDays(ymd, days) {
  const d = utcDate(ymd);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// 0 = Monday … 6 = Sunday
export function weekdayIndex(ymd) {
  return (utcDate(ymd).getUTCDay() + 6) % 7;
}

export function mondayOf(ymd) {
  return addDays(ymd, -weekdayIndex(ymd));
}

export function weekDates(monday) {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

export function toMinutes(clock) {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
}

// A booked lesson's span on its day's grid, in minutes. The wall clock alone is ambiguous across
// the fall-back hour (01:30-01:30), so the length comes from the lesson's instants when given.
export function bookedMinutes(booked) {
  const from = toMinutes(booked.start);
  if (!booked.start_at || !booked.end_at) return [from, toMinutes(booked.end)];
  const elapsed = (Date.parse(booked.end_at) - Date.parse(booked.start_at)) / 60000;
  return [from, Math.min(1440, from + elapsed)];
}

// "1:30 AM – 1:30 AM" says nothing on a fall-back night: then each end names its UTC offset.
export function formatBookedSpan(booked) {
  const offset = (iso) => (iso && /[+-]\d\d:\d\d$/.test(iso) ? ` (UTC${iso.slice(-6)})` : '');
  const ambiguous = toMinutes(booked.end) <= toMinutes(booked.start) && booked.end !== '24:00';
  return ambiguous
    ? `${formatClock(booked.start)}${offset(booked.start_at)} – ${formatClock(booked.end)}${offset(booked.end_at)}`
    : `${formatClock(booked.start)} – ${formatClock(booked.end)}`;
}

export function toClock(minutes) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

// 'HH:MM' on the app's clock, e.g. '9:30 AM'; '24:00' reads as midnight.
export function formatClock(clock) {
  const minutes = toMinutes(clock) % 1440;
  return format({ timeZone: 'UTC', ...CLOCK }, new Date(Date.UTC(2000, 0, 1, Math.floor(minutes / 60), minutes % 60)));
}

// '9 AM'
export function formatHour(hour) {
  return format({ timeZone: 'UTC', hour: 'numeric', hour12: true }, new Date(Date.UTC(2000, 0, 1, hour)));
}

// '9:30 AM' as the clock in `timeZone` reads at `instant`; with `zone`, '9:30 AM EST'.
export function formatTimeIn(instant, timeZone, { zone = false } = {}) {
  return format({ timeZone, ...CLOCK, timeZoneName: zone ? 'short' : undefined }, instant);
}

// The app's one way to say a moment: 'Mon, Dec 14, 10:00 AM EST' (the zone left out where only
// one zone is in play).
export function formatMoment(instant, timeZone, { zone = true, weekday = 'short' } = {}) {
  return format({
    timeZone, weekday, month: 'short', day: 'numeric', ...CLOCK, timeZoneName: zone ? 'short' : undefined,
  }, instant);
}

// 'Monday, November 23'
export function formatDayLong(ymd) {
  return formatter({ timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric' })
    .format(utcDate(ymd));
}

// { weekday: 'Mon', day: '23' }
export function formatDayShort(ymd) {
  const d = utcDate(ymd);
  return {
    weekday: formatter({ timeZone: 'UTC', weekday: 'short' }).format(d),
    day: formatter({ timeZone: 'UTC', day: 'numeric' }).format(d),
  };
}

// 'Nov 23 – Nov 29, 2026'
export function formatWeekSpan(monday) {
  const fmt = formatter({ timeZone: 'UTC', month: 'short', day: 'numeric' });
  const sunday = addDays(monday, 6);
  return `${fmt.format(utcDate(monday))} – ${fmt.format(utcDate(sunday))}, ${sunday.slice(0, 4)}`;
}

// 'America/New_York' → 'New York'
export function zoneCity(timeZone) {
  return timeZone.split('/').pop().replaceAll('_', ' ');
}

export function relativeTime(iso) {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' });
  const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month']];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return rtf.format(Math.round(value), 'year');
}

// '9:00 AM – 12:00 PM'
export function formatClockRange(start, end) {
  return `${formatClock(start)} – ${formatClock(end)}`;
}

// 'Mon, Nov 23'
export function formatDayMedium(ymd) {
  return formatter({ timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric' })
    .format(utcDate(ymd));
}
