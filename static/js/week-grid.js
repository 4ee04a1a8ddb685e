// The 7-day × 24-hour availability grid: cells to click, tap or drag over, ranges and booked
// lessons drawn on top. It only reports intents (add a range, remove a range); the editor owns the data.
//
// Pointer input, one path for mouse, pen and touch:
// - mouse/pen: press and drag selects at once; a click marks a start, a second click the end.
// - touch: a tap marks a start, a second tap the end; touch, hold still, then drag selects (a
//   quick swipe scrolls the grid as usual, and the browser's pointercancel ends it with nothing added).
// - the click a browser sends after a tap never reaches the range that tap just created.
// Moving and resizing a range (mouse, pen, keyboard) is range-drag.js. Either drag, held near the top
// or bottom of the grid's scroll area, scrolls it (edge-scroll.js).
import { h, replace } from './dom.js';
import { createEdgeScroll } from './edge-scroll.js';
import { createRangeDrag, KEYS_HINT } from './range-drag.js';
import {
  bookedMinutes, formatBookedSpan, formatClock, formatClockRange, formatDayLong, formatDayShort, formatHour,
  toClock, toMinutes, weekDates,
} from './time.js';

const DAY_MINUTES = 1440;
const LONG_PRESS_MS = 350;
const TOUCH_SLOP_PX = 10;
const CLICK_AFTER_TAP_MS = 700;

export function createWeekGrid({ onAdd, onRemove, onChange, onBookedClick }) {
  let step = 30;
  let dates = [];
  let today = '';
  let anchor = null; // first tap or click of a two-step selection: { date, minute }
  let press = null; // pointer held down on a cell: { id, touch, date, from, to, x, y, dragging, timer }
  let swallowClicksUntil = 0;
  const dayColumns = new Map(); // date → { column, layer }

  const hintText = h('span', {});
  const cancelButton = h('button', {
    type: 'button', class: 'link-button', 'data-testid': 'grid-cancel-start', hidden: true,
    onclick: () => { anchor = null; redrawAll(); },
  }, 'Cancel');
  const hint = h('p', { class: 'grid-hint muted small', 'aria-live': 'polite' }, hintText, ' ', cancelButton);
  const keysHint = h('p', { id: 'wg-keys-hint', class: 'sr-only' }, KEYS_HINT);
  const scroller = h('div', { class: 'wg-scroll' });
  const el = h('div', { class: 'week-grid', 'data-testid': 'week-grid' }, scroller, hint, keysHint);
  const headHeight = () => scroller.querySelector('.wg-head')?.offsetHeight ?? 0;
  const rangeDrag = createRangeDrag({
    scroller,
    insetTop: headHeight,
    dayOf: (date) => ({ ranges: last?.days[date] ?? [], booked: last?.booked ?? [] }),
    columnOf: (date) => dayColumns.get(date).column,
    onChange: (date, range, next, { keyboard = false } = {}) => {
      if (next) onChange(date, range, next); // the editor re-renders with the changed range
      redraw(date);
      if (next && keyboard) focusRangeAt(date, toMinutes(next.start)); // the keys keep working on it
    },
  });
  const selectionScroll = createEdgeScroll(scroller, { onScroll: () => extendPress(), insetTop: headHeight });
  const coarse = window.matchMedia?.('(pointer: coarse)');

  const setHint = () => {
    const touch = coarse?.matches;
    hintText.textContent = anchor
      ? `Start ${formatClock(toClock(anchor.minute))} on ${formatDayLong(anchor.date)} — ${touch ? 'tap' : 'click'} the last half hour you want on the same day.`
      : touch
        ? 'Tap a start and an end time to add hours, or touch and hold, then drag. Tap a range to remove it.'
        : 'Drag over empty cells (or click a start and an end cell) to add hours. Drag a range to move it, its top or bottom edge to resize it; click it to remove it.';
    cancelButton.hidden = !anchor;
  };

  const percent = (minutes) => `${(minutes / DAY_MINUTES) * 100}%`;
  const placeBlock = (block, start, end) => {
    block.style.top = percent(start);
    block.style.height = percent(end - start);
  };
  const isPast = (date) => date < today;

  function build(weekStart) {
    dates = weekDates(weekStart);
    dayColumns.clear();
    const rows = DAY_MINUTES / step;
    const head = h('div', { class: 'wg-head' }, h('div', { class: 'wg-corner' }),
      dates.map((date) => {
        const { weekday, day } = formatDayShort(date);
        return h('div', { class: `wg-dayhead${date === today ? ' is-today' : ''}${isPast(date) ? ' is-past' : ''}` },
          h('span', { class: 'wg-weekday' }, weekday), h('span', { class: 'wg-daynum' }, day));
      }));
    const times = h('div', { class: 'wg-times', 'aria-hidden': 'true' },
      Array.from({ length: 24 }, (_, hour) => h('span', { style: `top:${percent(hour * 60)}` }, hour ? formatHour(hour) : '')));
    const body = h('div', { class: 'wg-body', style: `--rows:${rows}` }, times,
      dates.map((date) => {
        const layer = h('div', { class: 'wg-layer' });
        const column = h('div', { class: `wg-day${isPast(date) ? ' is-past' : ''}${date === today ? ' is-today' : ''}`, 'data-date': date },
          Array.from({ length: rows }, (_, i) => {
            const time = toClock(i * step);
            return h('div', {
              class: `grid-cell${(i * step) % 60 === 0 ? ' on-hour' : ''}`,
              'data-testid': 'grid-cell', 'data-date': date, 'data-time': time,
              'data-readonly': isPast(date) ? 'true' : null,
              title: isPast(date) ? 'This day has passed' : formatClock(time),
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
    const past = isPast(date);
    const day = formatDayLong(date);
    replace(layer,
      ranges.map((range) => {
        const span = formatClockRange(range.start, range.end);
        const block = h('button', {
          type: 'button', class: 'wg-range', 'data-testid': 'week-range',
          'data-date': date, 'data-start': range.start, 'data-end': range.end,
          disabled: busy || past, title: past ? `${day}, ${span} (past)` : `${span}: drag to move, drag an edge to resize, click to remove`,
          'aria-label': past ? `Available ${day}, ${span} (past, can't be changed)` : `Remove availability ${day}, ${span}`,
          'aria-describedby': past ? null : 'wg-keys-hint',
          'aria-keyshortcuts': past ? null : 'Alt+ArrowUp Alt+ArrowDown Shift+ArrowUp Shift+ArrowDown Alt+Shift+ArrowUp Alt+Shift+ArrowDown',
          onclick: () => onRemove(date, range),
        },
        h('span', { class: 'wg-range-text' }, span),
        past ? null : h('span', { class: 'wg-handle is-start', 'data-edge': 'start', 'data-testid': 'range-handle-start', 'aria-hidden': 'true' }),
        past ? null : h('span', { class: 'wg-handle is-end', 'data-edge': 'end', 'data-testid': 'range-handle-end', 'aria-hidden': 'true' }));
        placeBlock(block, toMinutes(range.start), toMinutes(range.end));
        return block;
      }),
      booked.filter((b) => b.date === date).map((b) => {
        const label = b.status === 'held' ? 'On hold' : 'Booked';
        const what = [b.service_name, b.student_name && `with ${b.student_name}`].filter(Boolean).join(' ');
        const block = h('div', {
          class: `wg-booked${b.status === 'held' ? ' is-held' : ''}`, 'data-testid': 'week-booked',
          'data-date': date, 'data-start': b.start, 'data-end': b.end, 'data-booking-id': b.booking_id,
          title: `${label}${what ? `: ${what}` : ' lesson'}, ${day}, ${formatBookedSpan(b)} (can't be removed)`,
          onclick: () => onBookedClick?.(b),
        },
        h('span', { class: 'wg-booked-who', 'data-testid': 'booked-student' }, b.student_name || label),
        b.service_name ? h('span', { class: 'wg-booked-what', 'data-testid': 'booked-service' }, b.service_name) : null);
        placeBlock(block, ...bookedMinutes(b));
        return block;
      }),
      press?.dragging && press.date === date ? selectionBlock(press.from, press.to) : null,
      !press?.dragging && anchor && anchor.date === date ? selectionBlock(anchor.minute, anchor.minute) : null);
  }

  function selectionBlock(a, b) {
    const block = h('div', { class: 'wg-selection', 'data-testid': 'grid-selection' });
    placeBlock(block, Math.min(a, b), Math.max(a, b) + step);
    return block;
  }

  let last = null;
  function render({ weekStart, today: newToday, days, booked, step: newStep, busy }) {
    if (newStep !== step || !last || last.weekStart !== weekStart || newToday !== today) {
      step = newStep;
      today = newToday;
      anchor = null;
      build(weekStart);
    }
    last = { weekStart, days, booked, busy };
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

  function commit(date, a, b, touch) {
    anchor = null;
    // Only a touch is followed by a click aimed at where the finger was (now the new range).
    if (touch) swallowClicksUntil = performance.now() + CLICK_AFTER_TAP_MS;
    onAdd(date, Math.min(a, b), Math.max(a, b) + step); // the editor re-renders with the new range
    redrawAll();
  }

  function tap(date, minute, touch) {
    if (anchor && anchor.date === date) commit(date, anchor.minute, minute, touch);
    else {
      anchor = { date, minute };
      redrawAll();
    }
  }

  function listen(on) {
    const method = on ? 'addEventListener' : 'removeEventListener';
    document[method]('pointermove', onPointerMove);
    document[method]('pointerup', onPointerUp);
    document[method]('pointercancel', onPointerCancel);
  }

  function endPress() {
    if (!press) return null;
    selectionScroll.stop();
    clearTimeout(press.timer);
    const ended = press;
    press = null;
    listen(false);
    return ended;
  }

  function focusRangeAt(date, minute) {
    const blocks = [...dayColumns.get(date).layer.querySelectorAll('.wg-range')];
    blocks.find((b) => toMinutes(b.dataset.start) <= minute && minute < toMinutes(b.dataset.end))?.focus();
  }

  function onPointerDown(event) {
    const block = event.target.closest?.('.wg-range');
    if (block) {
      if (!last?.busy) rangeDrag.start(event, block);
      return;
    }
    const cell = event.target.closest?.('[data-testid="grid-cell"]');
    if (!cell || cell.dataset.readonly || last?.busy || !event.isPrimary) return;
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    endPress();
    const touch = event.pointerType === 'touch';
    const minute = toMinutes(cell.dataset.time);
    press = {
      id: event.pointerId, touch, date: cell.dataset.date, from: minute, to: minute,
      x: event.clientX, y: event.clientY, pointerY: event.clientY, dragging: !touch, timer: null,
    };
    if (touch) {
      // Holding still turns the touch into a selection; moving first leaves it a scroll.
      press.timer = setTimeout(() => {
        if (!press) return;
        press.dragging = true;
        redraw(press.date);
      }, LONG_PRESS_MS);
    } else {
      event.preventDefault(); // no text selection while dragging with a mouse
    }
    listen(true);
    if (press.dragging) redraw(press.date);
  }

  function onPointerMove(event) {
    if (!press || event.pointerId !== press.id) return;
    if (!press.dragging) {
      if (Math.hypot(event.clientX - press.x, event.clientY - press.y) > TOUCH_SLOP_PX) {
        endPress(); // a scroll, not a selection
      }
      return;
    }
    press.pointerY = event.clientY;
    extendPress();
    selectionScroll.follow(event.clientY);
  }

  // The selection reaches the cell under the pointer (the grid may have scrolled under it).
  function extendPress() {
    if (!press?.dragging) return;
    const minute = minuteAt(press.date, press.pointerY);
    if (minute === press.to) return;
    press.to = minute;
    redraw(press.date);
  }

  function onPointerUp(event) {
    if (!press || event.pointerId !== press.id) return;
    const ended = endPress();
    const to = ended.dragging ? minuteAt(ended.date, event.clientY) : ended.from;
    if (ended.dragging && to !== ended.from) commit(ended.date, ended.from, to, ended.touch);
    else tap(ended.date, ended.from, ended.touch);
  }

  // The browser took the gesture over (a scroll, a pinch): nothing is added, nothing stays selected.
  function onPointerCancel(event) {
    if (!press || event.pointerId !== press.id) return;
    const ended = endPress();
    if (ended.dragging) redraw(ended.date);
  }

  // Once a touch selection has started, moving the finger extends it instead of scrolling.
  function onTouchMove(event) {
    if (press?.touch && press.dragging && event.cancelable) event.preventDefault();
  }

  function onClickCapture(event) {
    const afterTap = performance.now() < swallowClicksUntil && event.target.closest?.('.wg-range');
    if (afterTap || rangeDrag.swallowsClick()) {
      event.stopPropagation();
      event.preventDefault();
    }
  }

  function onKeyDown(event) {
    if (event.key === 'Escape' && anchor) {
      anchor = null;
      redrawAll();
    }
  }

  scroller.addEventListener('pointerdown', onPointerDown);
  scroller.addEventListener('keydown', (event) => {
    const block = event.target.closest?.('.wg-range');
    if (block && !last?.busy) rangeDrag.key(event, block);
  });
  scroller.addEventListener('touchmove', onTouchMove, { passive: false });
  scroller.addEventListener('click', onClickCapture, true);
  scroller.addEventListener('contextmenu', (event) => { if (press?.touch) event.preventDefault(); });
  document.addEventListener('keydown', onKeyDown);

  return {
    el,
    render,
    scrollToHour(hour) {
      const body = scroller.querySelector('.wg-body');
      if (body) scroller.scrollTop = (hour / 24) * body.offsetHeight;
    },
    destroy() {
      endPress();
      rangeDrag.destroy();
      document.removeEventListener('keydown', onKeyDown);
    },
  };
}
