// One search result as a card (search, context lists): picture or initials, name, headline, the
// service and its hourly price, distance, rating, and up to three next open times that lead into
// the booking flow. liveResults() keeps the shown cards' open times current: each card's instructor
// is watched on `slots:{id}` and a `slots.changed` refetches (debounced) through `refetch`.
import { h, money, replace } from './dom.js';
import { avatar } from './picture.js';
import { browserTimeZone, formatMoment } from './time.js';

export function viewerZone(ctx) {
  return ctx.me?.timezone || browserTimeZone();
}

export function ratingInWords(rating) {
  if (!rating?.count) return 'No reviews yet';
  const avg = Number(rating.average).toFixed(1);
  return `${avg} ★ (${rating.count} review${rating.count === 1 ? '' : 's'})`;
}

export function distanceInWords(miles) {
  if (miles == null) return null;
  return miles < 0.1 ? 'Under 0.1 mi away' : `${miles.toFixed(1)} mi away`;
}

// Open times as links into the booking flow (#/instructor/{id}, which reopens the chosen start).
export function slotLinks(instructorId, serviceId, starts, tz) {
  if (!starts?.length) return h('p', { class: 'muted small', 'data-testid': 'next-slots-none' }, 'No open times in the next two weeks.');
  return starts.map((start) => {
    const params = new URLSearchParams({ start });
    if (serviceId) params.set('service', serviceId);
    return h('a', {
      class: 'slot-link', href: `#/instructor/${instructorId}?${params}`, 'data-testid': 'next-slot', 'data-start': start,
    }, formatMoment(new Date(start), tz, { zone: false }));
  });
}

export function resultCard(result, ctx) {
  const person = result.instructor;
  const tz = viewerZone(ctx);
  const slots = h('div', { class: 'next-slots', 'data-testid': 'next-slots', 'aria-label': `Next open times with ${person.full_name}`, role: 'group' });
  const setSlots = (starts) => replace(slots, slotLinks(person.id, result.service?.id, (starts ?? []).slice(0, 3), tz));
  setSlots(result.next_slots);
  const distance = distanceInWords(result.distance_miles);
  const card = h('li', { class: 'card result-card', 'data-testid': 'search-result', 'data-id': person.id },
    h('div', { class: 'result-head' },
      avatar(person, 'md'),
      h('div', { class: 'result-main' },
        h('a', { class: 'result-name', href: `#/instructors/${person.id}`, 'data-testid': 'result-name' }, person.full_name),
        person.headline ? h('span', { class: 'muted small result-headline' }, person.headline) : null),
      h('div', { class: 'result-price' },
        h('strong', { 'data-testid': 'result-price' }, `${money(result.hourly_rate_cents)}/h`),
        h('span', { class: 'small muted' }, result.service?.name ?? ''))),
    h('p', { class: 'small result-facts' },
      distance ? h('span', { 'data-testid': 'result-distance' }, distance) : null,
      h('span', { 'data-testid': 'result-rating' }, ratingInWords(result.rating))),
    slots);
  return { card, setSlots, id: person.id };
}

// Watch each shown instructor's open times; `refetch()` resolves to fresh results to take slots from.
export function liveResults(ctx, refetch) {
  const cards = new Map(); // instructor id → { setSlots, unsubscribe }
  let timer = null;
  let alive = true;
  const refresh = async () => {
    try {
      const results = await refetch();
      if (!alive) return;
      for (const r of results ?? []) cards.get(r.instructor.id)?.setSlots(r.next_slots);
    } catch { /* the next change tries again */ }
  };
  const changed = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };
  return {
    add({ id, setSlots }) {
      if (cards.has(id)) return;
      const unsubscribe = ctx.socket.subscribe(`slots:${id}`, {
        onEvent: (msg) => { if (msg.type === 'slots.changed') changed(); },
        onResync: changed,
      });
      cards.set(id, { setSlots, unsubscribe });
    },
    clear() {
      for (const c of cards.values()) c.unsubscribe();
      cards.clear();
    },
    stop() {
      alive = false;
      clearTimeout(timer);
      this.clear();
    },
  };
}
