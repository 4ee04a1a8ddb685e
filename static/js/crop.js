// A square crop chosen on a preview: drag the square to move it, drag its corner to resize it; from
// the keyboard, arrow keys move it and + / - resize it (Shift for bigger steps). The crop is kept in
// pixels of the upright picture (what the browser shows, EXIF orientation applied), as API.md's
// finalize `crop` expects.
import { h } from './dom.js';

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

// `img` is a loaded <img> of the chosen file. Returns { element, crop() }.
export function cropper(img, { onChange = () => {} } = {}) {
  const W = img.naturalWidth;
  const H = img.naturalHeight;
  const side = Math.min(W, H);
  const minSize = Math.min(side, Math.max(16, Math.round(side / 20)));
  const step = Math.max(1, Math.round(side / 50));
  let size = side;
  let x = Math.round((W - size) / 2);
  let y = Math.round((H - size) / 2);

  const said = h('span', { class: 'sr-only', 'aria-live': 'polite', id: 'crop-said' });
  const handle = h('span', { class: 'crop-handle', 'data-testid': 'crop-handle', 'aria-hidden': 'true' });
  const box = h('div', {
    class: 'crop-box', tabindex: '0', role: 'group', 'data-testid': 'crop-box',
    'aria-roledescription': 'crop area',
    'aria-label': 'Crop area: arrow keys move it, plus and minus resize it',
    'aria-describedby': 'crop-said',
  }, handle);
  img.classList.add('crop-image');
  img.alt = 'Preview of the chosen picture';
  img.draggable = false;
  const stage = h('div', { class: 'crop-stage', 'data-testid': 'crop-stage' }, img, box);
  const element = h('div', { class: 'crop' }, stage,
    h('p', { class: 'muted small' }, 'Drag the square to choose what shows, or its corner to resize it. From the keyboard: arrow keys move it, + and - resize it.'),
    said);

  function show() {
    box.style.left = `${(x / W) * 100}%`;
    box.style.top = `${(y / H) * 100}%`;
    box.style.width = `${(size / W) * 100}%`;
    box.style.height = `${(size / H) * 100}%`;
    box.dataset.crop = `${x},${y},${size}`;
    said.textContent = `Crop ${size} by ${size} pixels, from ${x} across and ${y} down.`;
    onChange({ x, y, size });
  }

  function place(nx, ny, nsize) {
    size = Math.round(clamp(nsize, minSize, side));
    x = Math.round(clamp(nx, 0, W - size));
    y = Math.round(clamp(ny, 0, H - size));
    show();
  }

  // Screen pixels → picture pixels.
  const scale = () => W / Math.max(1, stage.getBoundingClientRect().width);

  let drag = null;
  box.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    box.focus({ preventScroll: true });
    box.setPointerCapture(e.pointerId);
    drag = { resize: e.target === handle, sx: e.clientX, sy: e.clientY, x, y, size, k: scale() };
  });
  box.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = (e.clientX - drag.sx) * drag.k;
    const dy = (e.clientY - drag.sy) * drag.k;
    if (drag.resize) {
      // The top-left corner stays; the square follows the larger of the two moves, inside the picture.
      const grow = Math.abs(dx) > Math.abs(dy) ? dx : dy;
      const most = Math.min(W - drag.x, H - drag.y);
      size = Math.round(clamp(drag.size + grow, minSize, most));
      x = drag.x;
      y = drag.y;
      show();
    } else {
      place(drag.x + dx, drag.y + dy, drag.size);
    }
  });
  const end = () => { drag = null; };
  box.addEventListener('pointerup', end);
  box.addEventListener('pointercancel', end);

  box.addEventListener('keydown', (e) => {
    const d = e.shiftKey ? step * 5 : step;
    const moves = { ArrowLeft: [-d, 0], ArrowRight: [d, 0], ArrowUp: [0, -d], ArrowDown: [0, d] };
    if (moves[e.key]) {
      place(x + moves[e.key][0], y + moves[e.key][1], size);
    } else if (e.key === '+' || e.key === '=' || e.key === '-' || e.key === '_') {
      // Resize about the centre, so the middle of the picture stays where it was.
      const grow = (e.key === '-' || e.key === '_' ? -d : d) * 2;
      const next = clamp(size + grow, minSize, side);
      place(x - (next - size) / 2, y - (next - size) / 2, next);
    } else {
      return;
    }
    e.preventDefault();
  });

  show();
  return { element, crop: () => ({ x, y, size }), full: () => size === W && size === H };
}
