// Scrolls a container while a drag holds the pointer near (or past) its top or bottom edge, faster
// the closer it gets; `onScroll()` lets the drag redraw for where the pointer now points.
const EDGE_PX = 48;
const MAX_STEP_PX = 20; // per animation frame

// `insetTop()`: what covers the top of the container (a sticky head), so the zone starts below it.
export function createEdgeScroll(scroller, { onScroll, insetTop = () => 0 }) {
  let y = null;
  let frame = 0;

  function speed() {
    const rect = scroller.getBoundingClientRect();
    const top = Math.max(rect.top, 0) + insetTop();
    const bottom = Math.min(rect.bottom, window.innerHeight);
    const step = (depth) => Math.ceil((MAX_STEP_PX * Math.min(depth, EDGE_PX)) / EDGE_PX);
    if (y < top + EDGE_PX) return -step(top + EDGE_PX - y);
    if (y > bottom - EDGE_PX) return step(y - (bottom - EDGE_PX));
    return 0;
  }

  function tick() {
    frame = 0;
    if (y == null) return;
    const by = speed();
    if (!by) return;
    const before = scroller.scrollTop;
    scroller.scrollTop = before + by;
    if (scroller.scrollTop === before) return; // at the end: nothing more to reveal
    onScroll();
    frame = requestAnimationFrame(tick);
  }

  return {
    follow(clientY) {
      y = clientY;
      if (!frame) frame = requestAnimationFrame(tick);
    },
    stop() {
      y = null;
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
    },
  };
}
