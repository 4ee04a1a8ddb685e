// The week as a list of days with typed times: the editor on narrow screens and from the keyboard.
// Each day lists its hours (each with Change and Remove buttons naming the day and times), its
// lessons (who and what), and an "Add hours" form with start and end time inputs; Change opens the
// same form filled with the range's times. Like the grid it only reports intents.
import { h, replace } from './dom.js';
import { rangeLimits } from './ranges.js';
import { bookedMinutes, formatBookedSpan, formatClockRange, formatDayLong, toClock, toMinutes, weekDates } from './time.js';

// 'Rosa Díaz · Piano', or what the lesson is when the server names no one.
export const lessonLabel = (b) => [b.student_name, b.service_name].filter(Boolean).join(' · ')
  || (b.status === 'held' ? 'On hold' : 'Booked');

export function createDayList({ onAdd, onRemove, onChange }) {
  const el = h('div', { class: 'day-list', 'data-testid': 'day-list' });
  let openDate = null; // the day whose "Add hours" (or "Change") form is open
  let editing = null; // the range that form changes, or null when it adds
  let focusKey = null; // what gets focus back after a re-render
  let formError = '';
  let typed = { start: '', end: '' }; // the open form's inputs survive a live re-render
  let last = null;

  function addForm(date, day, lessons) {
    const start = h('input', { type: 'time', step: 300, required: true, 'data-testid': 'day-add-start', id: `add-start-${date}` });
    const end = h('input', { type: 'time', step: 300, required: true, 'data-testid': 'day-add-end', id: `add-end-${date}` });
    start.value = typed.start;
    end.value = typed.end;
    start.addEventListener('input', () => { typed.start = start.value; });
    end.addEventListener('input', () => { typed.end = end.value; });
    const error = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'day-add-error' }, formError);
    const form = h('form', {
      class: 'day-add-form',
      'aria-label': editing ? `Change ${formatClockRange(editing.start, editing.end)} on ${day}` : `Add hours on ${day}`,
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
          const { cover } = rangeLimits(last.days[date] ?? [], changed, lessons.map(bookedMinutes));
          if (cover && (from > cover[0] || to < cover[1])) {
            return fail(`A lesson is booked ${formatClockRange(toClock(cover[0]), toClock(cover[1]))}: keep that time inside these hours.`, from > cover[0] ? start : end);
          }
        }
        formError = '';
        typed = { start: '', end: '' };
        openDate = null;
        editing = null;
        focusKey = `add:${date}`;
        if (changed) onChange(date, changed, { start: toClock(from), end: toClock(to) });
        else onAdd(date, from, to);
        return undefined;
      },
      onkeydown: (event) => {
        if (event.key === 'Escape') close(date);
      },
    },
    h('label', { class: 'field inline', for: start.id }, h('span', { class: 'field-label' }, 'From'), start),
    h('label', { class: 'field inline', for: end.id }, h('span', { class: 'field-label' }, 'To'), end),
    h('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'day-add-submit' }, editing ? 'Change' : 'Add'),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => close(date) }, 'Cancel'),
    error);
    function fail(message, input) {
      formError = message;
      error.textContent = message;
      input.focus();
    }
    return { form, first: start };
  }

  function close(date) {
    openDate = null;
    editing = null;
    formError = '';
    typed = { start: '', end: '' };
    focusKey = `add:${date}`;
    draw();
  }

  function dayItem(date, ranges, booked, busy, today) {
    const day = formatDayLong(date);
    const past = date < today;
    const lessons = booked.filter((b) => b.date === date);
    const open = openDate === date && !past;
    const form = open ? addForm(date, day, lessons) : null;
    const item = h('li', { class: `day-item${past ? ' is-past' : ''}${date === today ? ' is-today' : ''}`, 'data-date': date },
      h('div', { class: 'day-item-head' },
        h('h3', { id: `day-${date}` }, day,
          date === today ? h('span', { class: 'pill' }, 'Today') : null,
          past ? h('span', { class: 'pill' }, 'Past') : null),
        past || open ? null : h('button', {
          type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'day-add', 'data-date': date,
          'data-focus-key': `add:${date}`, 'aria-label': `Add hours on ${day}`, 'aria-expanded': 'false', disabled: busy,
          onclick: () => { openDate = date; editing = null; typed = { start: '', end: '' }; formError = ''; focusKey = `form:${date}`; draw(); },
        }, '+ Add hours')),
      ranges.length || lessons.length
        ? h('ul', { class: 'day-ranges', 'aria-labelledby': `day-${date}` },
          ranges.map((range) => {
            const span = formatClockRange(range.start, range.end);
            return h('li', { class: 'day-range', 'data-testid': 'day-range', 'data-start': range.start, 'data-end': range.end },
              h('span', {}, span),
              past ? null : h('div', { class: 'day-range-actions' }, h('button', {
                type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'day-range-change',
                'aria-label': `Change ${span} on ${day}`, disabled: busy,
                onclick: () => {
                  openDate = date;
                  editing = range;
                  typed = { start: range.start, end: range.end === '24:00' ? '00:00' : range.end };
                  formError = '';
                  focusKey = `form:${date}`;
                  draw();
                },
              }, 'Change'),
              past ? null : h('button', {
                type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'day-range-remove',
                'aria-label': `Remove ${span} on ${day}`, disabled: busy,
                onclick: () => { focusKey = `add:${date}`; onRemove(date, range); },
              }, 'Remove')));
          }),
          lessons.map((b) => h('li', { class: 'day-range is-booked' },
            h('span', { 'data-testid': 'day-lesson' }, `${formatBookedSpan(b)} · ${lessonLabel(b)}`))))
        : h('p', { class: 'muted small day-empty' }, past ? 'No hours.' : 'No hours yet.'),
      form?.form);
    return { item, form };
  }

  function draw() {
    if (!last) return;
    const { weekStart, today, days, booked, busy } = last;
    const active = el.contains(document.activeElement) ? document.activeElement : null;
    if (!focusKey && active) focusKey = active.id ? `id:${active.id}` : active.dataset.focusKey;
    let openForm = null;
    replace(el, h('ul', { class: 'day-items' }, weekDates(weekStart).map((date) => {
      const { item, form } = dayItem(date, days[date] ?? [], booked, busy, today);
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
    render(state) {
      last = state;
      draw();
    },
  };
}
