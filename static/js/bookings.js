// My bookings (#/bookings): upcoming and past lessons, with cancellation.
import { api, describeError } from './api.js';
import { h, placeholder, replace } from './dom.js';
import { loadInstructors } from './instructors.js';
import { formatDateTimeIn, formatTimeIn } from './time.js';

const CANCELLABLE = new Set(['held', 'confirmed']);
const STATUS_LABEL = { held: 'On hold', confirmed: 'Confirmed', cancelled: 'Cancelled', completed: 'Completed' };

// The cancel response is "the booking and what the policy did"; accept a few shapes.
function policySummary(result) {
  const policy = result?.policy ?? result?.cancellation ?? null;
  if (!policy) return '';
  if (typeof policy === 'string') return policy;
  return policy.description ?? policy.message ?? policy.outcome ?? policy.kind ?? '';
}

export function mountBookings(root, ctx, { when = 'upcoming' } = {}) {
  const { me } = ctx;
  const role = me.role === 'instructor' ? 'instructor' : 'student';
  let alive = true;
  let directory = new Map();

  const status = h('div', { class: 'banner', 'data-testid': 'cancel-status', role: 'status', hidden: true });
  const body = h('div', {}, placeholder('loading', 'Loading your lessons…'));
  const tab = (value, label) => h('a', {
    href: `#/bookings${value === 'past' ? '/past' : ''}`, class: `tab${when === value ? ' is-active' : ''}`,
    'aria-current': when === value ? 'page' : null,
  }, label);

  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, role === 'instructor' ? 'Lessons booked with you' : 'My lessons'),
        h('p', { class: 'muted' }, `Times in your timezone (${me.timezone}).`)),
      h('nav', { class: 'tabs' }, tab('upcoming', 'Upcoming'), tab('past', 'Past'))),
    status, body));

  const showStatus = (text, kind) => {
    status.textContent = text;
    status.className = `banner banner-${kind}`;
    status.hidden = !text;
  };

  const describe = (b) => {
    const instructor = directory.get(String(b.instructor_id));
    const service = instructor?.services?.find((s) => String(s.service_id) === String(b.service_id));
    const lesson = b.service_name ?? service?.name ?? 'Lesson';
    const other = role === 'instructor'
      ? (b.student_name ?? `Student #${b.student_id}`)
      : (b.instructor_name ?? instructor?.full_name ?? `Instructor #${b.instructor_id}`);
    return { lesson, other };
  };

  const row = (b) => {
    const { lesson, other } = describe(b);
    const start = new Date(b.start);
    const cancel = CANCELLABLE.has(b.status) && when === 'upcoming'
      ? h('button', { class: 'btn btn-small btn-danger', 'data-testid': 'booking-cancel', onclick: (e) => cancelBooking(b, e.currentTarget) }, 'Cancel')
      : null;
    return h('li', { class: 'card booking-row', 'data-testid': 'booking-row', 'data-id': b.id, 'data-status': b.status },
      h('div', { class: 'booking-when' },
        h('strong', {}, formatDateTimeIn(start, me.timezone)),
        h('span', { class: 'muted small' }, `until ${formatTimeIn(new Date(b.end), me.timezone)}`)),
      h('div', { class: 'booking-what' }, h('span', {}, lesson), h('span', { class: 'muted small' }, `with ${other}`)),
      h('span', { class: `pill status-${b.status}` }, STATUS_LABEL[b.status] ?? b.status),
      cancel);
  };

  async function cancelBooking(booking, button) {
    button.disabled = true;
    button.textContent = 'Cancelling…';
    try {
      const result = await api.post(`/api/bookings/${booking.id}/cancel`);
      if (!alive) return;
      const policy = policySummary(result);
      showStatus(`Lesson cancelled.${policy ? ` ${policy}` : ''}`, 'ok');
      load();
    } catch (err) {
      if (!alive) return;
      showStatus(`Couldn't cancel: ${describeError(err)}`, 'error');
      button.disabled = false;
      button.textContent = 'Cancel';
    }
  }

  async function load() {
    try {
      const [result, instructors] = await Promise.all([
        api.get('/api/bookings', { role, when }),
        loadInstructors().catch(() => []),
      ]);
      if (!alive) return;
      directory = new Map(instructors.map((i) => [String(i.id), i]));
      const bookings = Array.isArray(result) ? result : (result?.items ?? []);
      if (!bookings.length) {
        const action = role === 'student' && when === 'upcoming' ? h('a', { href: '#/instructors', class: 'btn btn-primary' }, 'Find an instructor') : null;
        replace(body, placeholder('empty', when === 'upcoming' ? 'No upcoming lessons.' : 'No past lessons yet.', action));
        return;
      }
      replace(body, h('ul', { class: 'booking-list' }, bookings.map(row)));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err), h('button', { class: 'btn', onclick: load }, 'Try again')));
    }
  }

  load();
  return () => { alive = false; };
}
