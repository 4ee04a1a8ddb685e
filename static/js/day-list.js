// Days as a list with typed times: the week editor on narrow screens and from the keyboard, and the
// weekly hours (one day per weekday). Each day lists its hours (each with Change and Remove buttons
// naming the day and times), its lessons (who and what), and an "Add hours" form with start and end
// time inputs; Change opens the same form filled with the range's times. It only reports intents.
import { h, replace } from './dom.js';
import { rangeLimits } from './ranges.js';
import { bookedMinutes, formatBookedSpan, formatClockRange, formatDayLong, toClock, toMinutes, weekDates } from './time.js';

// 'Rosa Díaz · Piano', or what the lesson is when the server names no one.
export const lessonLabel = (b) => [b.student_name, b.service_name].filter(Boolean).join(' · ')
  || (b.status === 'held' ? 'On hold' : 'Booked');

// A calendar week as the list's days, keyed by date.
export function weekDays({ weekStart, today, days, booked }) {
  return weekDates(weekStart).map((date) => ({
    key: date,
    heading: formatDayLong(date),
    label: formatDayLong(date),
    ranges: days[date] ?? [],
    lessons: booked.filter((b) => b.date === date),
    past: date < today,
    today: date === today,
  }));
}

// `days`: [{ key, heading, label (for "Add hours on <label>"), ranges, lessons?, past?, today?, error? }].
// onAdd(key, from, to), onRemove(key, range), onChange(key, range, next) report the user's intents.
export function createDayList({ onAdd, onRemove, onChange }) {
  const el = h('div', { class: 'day-list', 'data-testid': 'day-list' });
  let openKey = null; // the day whose "Add hours" (or "Change") form is open
  let editing = null; // the range that form changes, or null when it adds
  let focusKey = null; // what gets focus back after a re-render
  let formError = '';
  let typed = { start: '', end: '' }; // the open form's inputs survive a live re-render
  let last = null;

  function addForm(day) {
    const { key, label } = day;
    const lessons = day.lessons ?? [];
    const start = h('input', { type: 'time', step: 300, required: true, 'data-testid': 'day-add-start', id: `add-start-${key}` });
    const end = h('input', { type: 'time', step: 300, required: true, 'data-testid': 'day-add-end', id: `add-end-${key}` });
    start.value = typed.start;
    end.value = typed.end;
    start.addEventListener('input', () => { typed.start = start.value; });
    end.addEventListener('input', () => { typed.end = end.value; });
    const error = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'day-add-error' }, formError);
    const form = h('form', {
      class: 'day-add-form',
      'aria-label': editing ? `Change ${formatClockRange(editing.start, editing.end)} on ${label}` : `Add hours on ${label}`,
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        if (!start.value || !end.value) return fail('Enter a start and an end time.', start.value ? end : start);
        const from = toMinutes(start.value);
        const to = end.value === '00:00' ? 1440 : toMinutes(end.value); // an end of 12:00 AM is midnight
        if (to <= from) return fail('The end must be after the start.', end);
        const changed = editing;
        if (changed) {
          // A booked lesson never leaves the hours it was booked in.
          const { cover } = rangeLimits(day.ranges, changed, lessons.map(bookedMinutes));
          if (cover && (from > cover[0] || to < cover[1])) {
            return fail(`A lesson is booked ${formatClockRange(toClock(cover[0]), toClock(cover[1]))}: keep that time inside these hours.`, from > cover[0] ? start : end);
          }
        }
        formError = '';
        typed = { start: '', end: '' };
        openKey = null;
        editing = null;
        focusKey = `add:${key}`;
        if (changed) onChange(key, changed, { start: toClock(from), end: toClock(to) });
        else onAdd(key, from, to);
        return undefined;
      },
      onkeydown: (event) => {
        if (event.key === 'Escape') close(key);
      },
    },
    h('label', { class: 'field inline', for: start.id }, h('span', { class: 'field-label' }, 'From'), start),
    h('label', { class: 'field inline', for: end.id }, h('span', { class: 'field-label' }, 'To'), end),
    h('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'day-add-submit' }, editing ? 'Change' : 'Add'),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => close(key) }, 'Cancel'),
    error);
    function fail(message, input) {
      formError = message;
      error.textContent = message;
      input.focus();
    }
    return { form, first: start };
  }

  function close(key) {
    openKey = null;
    editing = null;
    formError = '';
    typed = { start: '', end: '' };
    focusKey = `add:${key}`;
    draw();
  }

  function open(key, range) {
    openKey = key;
    editing = range;
    typed = range ? { start: range.start, end: range.end === '24:00' ? '00:00' : range.end } : { start: '', end: '' };
    formError = '';
    focusKey = `form:${key}`;
    draw();
  }

  function rangeItem(day, range, busy) {
    const span = formatClockRange(range.start, range.end);
    return h('li', { class: 'day-range', 'data-testid': 'day-range', 'data-start': range.start, 'data-end': range.end },
      h('span', {}, span),
      day.past ? null : h('div', { class: 'day-range-actions' },
        h('button', {
          type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'day-range-change',
          'aria-label': `Change ${span} on ${day.label}`, disabled: busy, onclick: () => open(day.key, range),
        }, 'Change'),
        h('button', {
          type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'day-range-remove',
          'aria-label': `Remove ${span} on ${day.label}`, disabled: busy,
          onclick: () => { focusKey = `add:${day.key}`; onRemove(day.key, range); },
        }, 'Remove')));
  }

  function dayItem(day, busy) {
    const { key, past } = day;
    const lessons = day.lessons ?? [];
    const isOpen = openKey === key && !past;
    const form = isOpen ? addForm(day) : null;
    const item = h('li', { class: `day-item${past ? ' is-past' : ''}${day.today ? ' is-today' : ''}${day.error ? ' has-error' : ''}`, 'data-day': key },
      h('div', { class: 'day-item-head' },
        h('h3', { id: `day-${key}` }, day.heading,
          day.today ? h('span', { class: 'pill' }, 'Today') : null,
          past ? h('span', { class: 'pill' }, 'Past') : null),
        past || isOpen ? null : h('button', {
          type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'day-add', 'data-day': key,
          'data-focus-key': `add:${key}`, 'aria-label': `Add hours on ${day.label}`, 'aria-expanded': 'false', disabled: busy,
          onclick: () => open(key, null),
        }, '+ Add hours')),
      day.ranges.length || lessons.length
        ? h('ul', { class: 'day-ranges', 'aria-labelledby': `day-${key}` },
          day.ranges.map((range) => rangeItem(day, range, busy)),
          lessons.map((b) => h('li', { class: 'day-range is-booked' },
            h('span', { 'data-testid': 'day-lesson' }, `${formatBookedSpan(b)} · ${lessonLabel(b)}`))))
        : h('p', { class: 'muted small day-empty' }, past ? 'No hours.' : 'No hours yet.'),
      day.error ? h('p', { class: 'field-error', role: 'alert', 'data-testid': 'day-error' }, day.error) : null,
      form?.form);
    return { item, form };
  }

  function draw() {
    if (!last) return;
    const active = el.contains(document.activeElement) ? document.activeElement : null;
    if (!focusKey && active) focusKey = active.id ? `id:${active.id}` : active.dataset.focusKey;
    let openForm = null;
    replace(el, h('ul', { class: 'day-items' }, last.days.map((day) => {
      const { item, form } = dayItem(day, last.busy);
      if (form) openForm = form;
      return item;
    })));
    if (focusKey?.startsWith('form:') && openForm) openForm.first.focus();
    else if (focusKey?.startsWith('id:')) document.getElementById(focusKey.slice(3))?.focus();
    else if (focusKey) el.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
    focusKey = null;
  }

  return {
    el,
    render({ days, busy }) {
      last = { days, busy };
      draw();
    },
  };
}
