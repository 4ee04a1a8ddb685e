// The 7-day × 24-hour availability grid: cells to click or drag over, ranges and booked lessons
// drawn on top. It only reports intents (add a range, remove a range); the editor owns the data.
import { h, replace } from './dom.js';
import {
  bookedMinutes, formatBookedSpan, formatClock, formatDayShort, formatHour, toClock, toMinutes, weekDates,
} from './time.js';

const DAY_MINUTES = 1440;

export function createWeekGrid({ onAdd, onRemove, onBookedClick }) {
  let step = 30;
  let dates = [];
  let anchor = null; // first click of a click-click selection: { date, minute }
  let drag = null; // { date, from, to, moved }
  const dayColumns = new Map(); // date → { column, layer }

  const hint = h('p', { class: 'grid-hint muted small', 'aria-live': 'polite' });
  const scroller = h('div', { class: 'wg-scroll' });
  const el = h('div', { class: 'week-grid', 'data-testid': 'week-grid' }, scroller, hint);

  const setHint = () => {
    hint.textContent = anchor
      ? `Start ${formatClock(toClock(anchor.minute))} selected — click a later time on the same day to finish (Esc cancels).`
      : 'Drag over empty cells (or click a start and an end cell) to add availability. Click a range to remove it.';
  };

  const percent = (minutes) => `${(minutes / DAY_MINUTES) * 100}%`;
  const placeBlock = (block, start, end) => {
    block.style.top = percent(start);
    block.style.height = percent(end - start);
  };

  function build(weekStart, today) {
    dates = weekDates(weekStart);
    dayColumns.clear();
    const rows = DAY_MINUTES / step;
    const head = h('div', { class: 'wg-head' }, h('div', { class: 'wg-corner' }),
      dates.map((date) => {
        const { weekday, day } = formatDayShort(date);
        return h('div', { class: `wg-dayhead${date === today ? ' is-today' : ''}` },
          h('span', { class: 'wg-weekday' }, weekday), h('span', { class: 'wg-daynum' }, day));
      }));
    const times = h('div', { class: 'wg-times' },
      Array.from({ length: 24 }, (_, hour) => h('span', { style: `top:${percent(hour * 60)}` }, hour ? formatHour(hour) : '')));
    const body = h('div', { class: 'wg-body', style: `--rows:${rows}` }, times,
      dates.map((date) => {
        const layer = h('div', { class: 'wg-layer' });
        const column = h('div', { class: `wg-day${date < today ? ' is-past' : ''}${date === today ? ' is-today' : ''}`, 'data-date': date },
          Array.from({ length: rows }, (_, i) => {
            const time = toClock(i * step);
            return h('div', {
              class: `grid-cell${(i * step) % 60 === 0 ? ' on-hour' : ''}`,
              'data-testid': 'grid-cell', 'data-date': date, 'data-time': time,
              title: formatClock(time),
            });
          }),
          layer);
        dayColumns.set(date, { column, layer });
        return column;
      }));
    replace(scroller, head, body);
    el.dataset.step = step;
  }

  function drawDay(date, ranges, booked, busy) {
    const { layer } = dayColumns.get(date);
    replace(layer,
      ranges.map((range) => {
        const block = h('button', {
          type: 'button', class: 'wg-range', 'data-testid': 'week-range',
          'data-date': date, 'data-start': range.start, 'data-end': range.end,
          disabled: busy, title: 'Click to remove',
          'aria-label': `Available ${formatClock(range.start)} to ${formatClock(range.end)}, click to remove`,
          onclick: () => onRemove(date, range),
        }, h('span', {}, `${formatClock(range.start)} – ${formatClock(range.end)}`));
        placeBlock(block, toMinutes(range.start), toMinutes(range.end));
        return block;
      }),
      booked.filter((b) => b.date === date).map((b) => {
        const label = b.status === 'held' ? 'On hold' : 'Booked';
        const block = h('div', {
          class: `wg-booked${b.status === 'held' ? ' is-held' : ''}`, 'data-testid': 'week-booked',
          'data-date': date, 'data-start': b.start, 'data-end': b.end, 'data-booking-id': b.booking_id,
          title: `${label} lesson #${b.booking_id}, ${formatBookedSpan(b)} (can't be removed)`,
          onclick: () => onBookedClick?.(b),
        }, h('span', {}, label));
        placeBlock(block, ...bookedMinutes(b));
        return block;
      }),
      drag && drag.date === date ? selectionBlock(drag.from, drag.to) : null,
      !drag && anchor && anchor.date === date ? selectionBlock(anchor.minute, anchor.minute) : null);
  }

  function selectionBlock(a, b) {
    const block = h('div', { class: 'wg-selection' });
    placeBlock(block, Math.min(a, b), Math.max(a, b) + step);
    return block;
  }

  let last = null;
  function render({ weekStart, today, days, booked, step: newStep, busy }) {
    if (newStep !== step || !last || last.weekStart !== weekStart || last.today !== today) {
      step = newStep;
      anchor = null;
      build(weekStart, today);
    }
    last = { weekStart, today, days, booked, busy };
    el.classList.toggle('is-busy', Boolean(busy));
    for (const date of dates) drawDay(date, days[date] ?? [], booked, busy);
    setHint();
  }

  const redraw = (date) => last && drawDay(date, last.days[date] ?? [], last.booked, last.busy);
  const redrawAll = () => {
    for (const date of dates) redraw(date);
    setHint();
  };

  function minuteAt(date, clientY) {
    const rect = dayColumns.get(date).column.getBoundingClientRect();
    const index = Math.floor(((clientY - rect.top) / rect.height) * (DAY_MINUTES / step));
    return Math.min(Math.max(index, 0), DAY_MINUTES / step - 1) * step;
  }

  function commit(date, a, b) {
    anchor = null;
    onAdd(date, Math.min(a, b), Math.max(a, b) + step); // the editor re-renders with the new range
    redrawAll();
  }

  function onPointerDown(event) {
    const cell = event.target.closest?.('[data-testid="grid-cell"]');
    if (!cell || event.button !== 0 || last?.busy) return;
    event.preventDefault();
    const minute = toMinutes(cell.dataset.time);
    drag = { date: cell.dataset.date, from: minute, to: minute, moved: false };
    document.addEventListener('pointermove', onPointerMove);
    document.addEventListener('pointerup', onPointerUp);
    redraw(drag.date);
  }

  function onPointerMove(event) {
    if (!drag) return;
    const minute = minuteAt(drag.date, event.clientY);
    if (minute === drag.to) return;
    drag.to = minute;
    drag.moved ||= drag.to !== drag.from;
    redraw(drag.date);
  }

  function onPointerUp(event) {
    document.removeEventListener('pointermove', onPointerMove);
    document.removeEventListener('pointerup', onPointerUp);
    if (!drag) return;
    const { date, from, moved } = drag;
    const to = minuteAt(date, event.clientY);
    drag = null;
    if (moved || to !== from) commit(date, from, to);
    else if (anchor && anchor.date === date) commit(date, anchor.minute, from);
    else {
      anchor = { date, minute: from };
      redrawAll();
    }
  }

  function onKeyDown(event) {
    if (event.key === 'Escape' && anchor) {
      anchor = null;
      redrawAll();
    }
  }

  scroller.addEventListener('pointerdown', onPointerDown);
  document.addEventListener('keydown', onKeyDown);

  return {
    el,
    render,
    scrollToHour(hour) {
      scroller.scrollTop = (hour / 24) * scroller.querySelector('.wg-body').offsetHeight;
    },
    destroy() {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('pointermove', onPointerMove);
      document.removeEventListener('pointerup', onPointerUp);
    },
  };
}
