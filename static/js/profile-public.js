// An instructor's public profile (#/instructors/{id}): name, picture or initials, headline, bio,
// services with prices, place, rating summary and reviews (with responses; the instructor answers
// here), next open times that stay live (`slots:{id}` → refetch) and lead into booking, and for a
// logged-in student "Tell me when a slot opens".
import { api, ApiError, describeError } from './api.js';
import { ratingInWords, slotLinks, viewerZone } from './discovery-card.js';
import { h, money, placeholder, replace } from './dom.js';
import { durationsLabel } from './instructors.js';
import { avatar } from './picture.js';
import { reviewItem } from './reviews.js';
import { mountWaitlist } from './waitlist.js';

const AGE_WORDS = { kids: 'kids', teens: 'teens', adults: 'adults' };
const WHERE_WORDS = { student_home: 'at your home', instructor_studio: 'at the studio', online: 'online' };

function placeWords(location) {
  return [location?.neighborhood, location?.borough].filter(Boolean).join(', ') || null;
}

function serviceRow(offer) {
  return h('li', { class: 'profile-service', 'data-testid': 'profile-service' },
    h('div', {}, h('strong', {}, offer.service.name),
      h('span', { class: 'muted small' }, ` · ${durationsLabel(offer.durations_minutes)} · for ${offer.age_groups.map((a) => AGE_WORDS[a] ?? a).join(', ')} · ${offer.locations.map((l) => WHERE_WORDS[l] ?? l).join(', ')}`)),
    h('strong', { class: 'profile-service-price' }, `${money(offer.hourly_rate_cents)}/h`));
}

export function mountPublicProfile(root, ctx, { id }) {
  let alive = true;
  let timer = null;
  const tz = viewerZone(ctx);
  const slots = h('div', { class: 'next-slots', 'data-testid': 'profile-slots', role: 'group', 'aria-labelledby': 'profile-slots-title' });
  const live = h('p', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'profile-live' });
  const body = h('div', {}, placeholder('loading', 'Loading profile…'));
  replace(root, h('section', { class: 'page discovery-page profile-page' }, h('a', { href: '#/', class: 'back-link' }, '‹ Find lessons'), body));

  const showSlots = (profile) => {
    const firstService = profile.services[0]?.service?.id;
    replace(slots, slotLinks(profile.id, firstService, profile.next_slots, tz));
  };

  function render(profile) {
    document.title = `${profile.full_name} · InstaInstru`;
    const own = ctx.me?.id === profile.id;
    const place = placeWords(profile.location);
    const reviews = h('ul', { class: 'review-list', 'data-testid': 'reviews' }, profile.reviews.map((r) => reviewItem(r, { canRespond: own })));
    const moreReviews = h('button', { class: 'btn btn-small', hidden: profile.reviews.length < 10, 'data-testid': 'reviews-more' }, 'More reviews');
    moreReviews.onclick = async () => {
      const last = reviews.lastElementChild?.dataset.id;
      try {
        const page = await api.get(`/api/instructors/${profile.id}/reviews`, { before: last, limit: 10 });
        page.items.forEach((r) => reviews.append(reviewItem(r, { canRespond: own })));
        moreReviews.hidden = page.items.length < 10;
      } catch (err) { moreReviews.textContent = describeError(err); }
    };
    const waitlist = h('section', { class: 'card profile-section', 'data-testid': 'waitlist', 'aria-labelledby': 'waitlist-title' });
    if (ctx.me?.role === 'student') mountWaitlist(waitlist, ctx, profile);
    else if (!ctx.me) {
      replace(waitlist, h('h2', { class: 'section-title', id: 'waitlist-title' }, 'Tell me when a slot opens'),
        h('p', { class: 'small' }, h('a', { href: '#/login', onclick: (e) => { e.preventDefault(); ctx.requireLogin(); } }, 'Log in'), ' as a student to be told when a time opens.'));
    }
    showSlots(profile);
    replace(body,
      h('div', { class: 'profile-hero' },
        avatar(profile, 'lg'),
        h('div', { class: 'profile-hero-text' },
          h('h1', { 'data-testid': 'profile-name' }, profile.full_name),
          profile.headline ? h('p', { class: 'profile-headline', 'data-testid': 'profile-headline' }, profile.headline) : null,
          place ? h('p', { class: 'muted', 'data-testid': 'profile-place' }, place) : null,
          h('p', { class: 'small', 'data-testid': 'profile-rating' }, ratingInWords(profile.rating)))),
      h('section', { class: 'card profile-section' },
        h('h2', { class: 'section-title', id: 'profile-slots-title' }, 'Next open times'),
        slots, live,
        h('a', { class: 'btn btn-primary', href: `#/instructor/${profile.id}`, 'data-testid': 'profile-book' }, 'See all open times and book')),
      h('section', { class: 'card profile-section' },
        h('h2', { class: 'section-title' }, 'About'),
        h('p', { class: 'profile-bio', 'data-testid': 'profile-bio' }, profile.bio)),
      h('section', { class: 'card profile-section' },
        h('h2', { class: 'section-title' }, 'Lessons and prices'),
        h('ul', { class: 'profile-services' }, profile.services.map(serviceRow))),
      h('section', { class: 'card profile-section', 'aria-labelledby': 'reviews-title' },
        h('h2', { class: 'section-title', id: 'reviews-title' }, profile.rating.count ? `Reviews · ${ratingInWords(profile.rating)}` : 'Reviews'),
        profile.reviews.length ? [reviews, moreReviews] : h('p', { class: 'muted', 'data-testid': 'reviews-none' }, 'No reviews yet.')),
      ctx.me?.role === 'student' || !ctx.me ? waitlist : null);
  }

  async function load(first) {
    try {
      const profile = await api.get(`/api/instructors/${id}`);
      if (!alive) return;
      if (first) render(profile);
      else {
        showSlots(profile);
        live.textContent = 'Open times updated.';
      }
    } catch (err) {
      if (!alive || !first) return;
      const text = err instanceof ApiError && err.status === 404 ? 'This instructor is not taking bookings right now.' : describeError(err);
      replace(body, placeholder('error', text, h('a', { class: 'btn', href: '#/' }, 'Find other instructors')));
    }
  }

  const unsubscribe = ctx.socket.subscribe(`slots:${id}`, {
    onEvent: (msg) => {
      if (msg.type !== 'slots.changed') return;
      clearTimeout(timer);
      timer = setTimeout(() => load(false), 150);
    },
  });
  load(true);
  return () => { alive = false; clearTimeout(timer); unsubscribe(); };
}
