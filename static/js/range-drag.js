// Moving and resizing a range on the week grid. With a mouse or pen: drag a range's body to move
// it, its top or bottom edge to move its start or end. From the keyboard, on a focused range:
// Alt+↑/↓ moves it, Shift+↑/↓ moves its end, Alt+Shift+↑/↓ its start. Every edge lands on the
// 15-minute grid and stops at the neighbouring ranges and at the lessons booked inside the range.
// (Touch keeps tap-to-remove; the day list's typed times change a range there.) A drag held near
// the top or bottom of the grid's scroll area scrolls it (edge-scroll.js) and the range follows.
import { createEdgeScroll } from './edge-scroll.js';
import { rangeLimits, reshapeRange } from './ranges.js';
import { bookedMinutes, formatClockRange, toMinutes } from './time.js';

export const SNAP = 15;
const DAY_MINUTES = 1440;
const DRAG_SLOP_PX = 4;

export const KEYS_HINT = 'Alt+Up or Down arrow moves these hours by 15 minutes; Shift+Up or Down arrow moves the end; '
  + 'Alt+Shift+Up or Down arrow moves the start.';

const snap = (minutes) => Math.round(minutes / SNAP) * SNAP;
// The next grid line after (dir 1) or before (dir -1) `minute`.
const nextLine = (minute, dir) => (dir > 0 ? Math.floor(minute / SNAP) * SNAP + SNAP : Math.ceil(minute / SNAP) * SNAP - SNAP);

// How far `range` may go on its day as the grid draws it.
function limitsOn(day, range) {
  const spans = day.booked.filter((b) => b.date === range.date).map(bookedMinutes);
  return rangeLimits(day.ranges, range, spans);
}

function reshape(range, mode, edgeTo, limits) {
  const edge = toMinutes(mode === 'end' ? range.end : range.start);
  return reshapeRange(range, mode, edgeTo - edge, limits);
}

// What a key press asks of a focused range: { mode, dir } or null.
export function keyReshape(event) {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return null;
  if (event.ctrlKey || event.metaKey || (!event.altKey && !event.shiftKey)) return null;
  const mode = event.altKey && event.shiftKey ? 'start' : event.altKey ? 'move' : 'end';
  return { mode, dir: event.key === 'ArrowDown' ? 1 : -1 };
}

// `dayOf(date)` gives { ranges, booked } as drawn; `onChange(date, range, next, { keyboard })` reports
// a change (`next` null: a drag that changed nothing, to be drawn back). `scroller`: the grid's
// scroll area, `insetTop()` its sticky head's height.
export function createRangeDrag({ dayOf, columnOf, onChange, scroller, insetTop }) {
  let drag = null; // { id, date, range, mode, y, scrollTop, pointerY, height, limits, block, moved, next }
  let swallowClickUntil = 0;
  const edgeScroll = createEdgeScroll(scroller, { onScroll: () => follow(), insetTop });

  function start(event, block) {
    if (block.disabled || event.pointerType === 'touch' || !event.isPrimary || event.button !== 0) return false;
    const date = block.dataset.date;
    const range = { date, start: block.dataset.start, end: block.dataset.end };
    const handle = event.target.closest('[data-edge]');
    drag = {
      id: event.pointerId, date, range, block, moved: false, next: range,
      mode: handle ? handle.dataset.edge : 'move',
      y: event.clientY,
      pointerY: event.clientY,
      scrollTop: scroller.scrollTop,
      height: columnOf(date).getBoundingClientRect().height,
      limits: limitsOn(dayOf(date), range),
    };
    event.preventDefault(); // no text selection while dragging
    listen(true);
    return true;
  }

  function onMove(event) {
    if (!drag || event.pointerId !== drag.id) return;
    drag.pointerY = event.clientY;
    if (!drag.moved && Math.abs(event.clientY - drag.y) < DRAG_SLOP_PX) return;
    drag.moved = true;
    follow();
    edgeScroll.follow(event.clientY);
  }

  // Draws the range where the pointer now is on the grid (it may have scrolled under the pointer).
  function follow() {
    if (!drag?.moved) return;
    const dy = drag.pointerY - drag.y + (scroller.scrollTop - drag.scrollTop);
    drag.block.classList.add('is-dragging');
    const minutes = (dy / drag.height) * DAY_MINUTES;
    const edge = toMinutes(drag.mode === 'end' ? drag.range.end : drag.range.start);
    drag.next = reshape(drag.range, drag.mode, snap(edge + minutes), drag.limits);
    const s = toMinutes(drag.next.start);
    const e = toMinutes(drag.next.end);
    drag.block.style.top = `${(s / DAY_MINUTES) * 100}%`;
    drag.block.style.height = `${((e - s) / DAY_MINUTES) * 100}%`;
    drag.block.querySelector('.wg-range-text').textContent = formatClockRange(drag.next.start, drag.next.end);
  }

  function onUp(event) {
    if (!drag || event.pointerId !== drag.id) return;
    const ended = finish();
    if (!ended.moved) return; // a click: the range's own click handler removes it
    swallowClickUntil = performance.now() + 400;
    // A live update may have redrawn the day meanwhile: a range that is gone is not changed.
    const still = dayOf(ended.date).ranges.some((r) => r.start === ended.range.start && r.end === ended.range.end);
    if (still && (ended.next.start !== ended.range.start || ended.next.end !== ended.range.end)) {
      onChange(ended.date, ended.range, ended.next);
    } else {
      onChange(ended.date, ended.range, null); // nothing changed: just draw it back
    }
  }

  function onCancel(event) {
    if (!drag || event.pointerId !== drag.id) return;
    onChange(drag.date, drag.range, null);
    finish();
  }

  function finish() {
    const ended = drag;
    drag = null;
    edgeScroll.stop();
    listen(false);
    ended.block.classList.remove('is-dragging');
    return ended;
  }

  function listen(on) {
    const method = on ? 'addEventListener' : 'removeEventListener';
    document[method]('pointermove', onMove);
    document[method]('pointerup', onUp);
    document[method]('pointercancel', onCancel);
  }

  // A drag ends with a click on the range it moved: that click must not remove it.
  function swallowsClick() {
    return performance.now() < swallowClickUntil;
  }

  function key(event, block) {
    const asked = keyReshape(event);
    if (!asked || block.disabled) return false;
    event.preventDefault();
    const date = block.dataset.date;
    const range = { date, start: block.dataset.start, end: block.dataset.end };
    const edge = toMinutes(asked.mode === 'end' ? range.end : range.start);
    const next = reshape(range, asked.mode, nextLine(edge, asked.dir), limitsOn(dayOf(date), range));
    if (next.start !== range.start || next.end !== range.end) onChange(date, range, next, { keyboard: true });
    return true;
  }

  return {
    start,
    key,
    swallowsClick,
    destroy: () => { if (drag) finish(); },
  };
}
