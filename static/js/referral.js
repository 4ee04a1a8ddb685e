// The referral page (#/referral): the caller's code and link to share (with Copy), how many people
// signed up with it and what it has earned; below it, the calendar-feed link (feed.js).
import { api, describeError } from './api.js';
import { copyField } from './copy.js';
import { h, money, placeholder, replace } from './dom.js';
import { feedSection } from './feed.js';

export function mountReferral(root, ctx) {
  let alive = true;
  const body = h('div', {}, placeholder('loading', 'Loading your referral code…'));
  replace(root, h('section', { class: 'page page-narrow discovery-page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Invite friends'),
      h('p', { class: 'muted' }, 'A friend who signs up with your link gets lesson credit on their first booking; you get the same once that first lesson is completed.'))),
    body, feedSection()));
  (async () => {
    try {
      const r = await api.get('/api/me/referral');
      if (!alive) return;
      replace(body, h('section', { class: 'card profile-section', 'data-testid': 'referral' },
        h('p', {}, 'Your code: ', h('strong', { class: 'referral-code', 'data-testid': 'referral-code' }, r.code)),
        copyField('Your invite link', r.url, 'referral-url').el,
        h('div', { class: 'earning-stats referral-stats' },
          h('div', { class: 'earning-stat' }, h('span', { class: 'muted small' }, 'Friends who signed up'), h('strong', { 'data-testid': 'referral-count' }, String(r.referred))),
          h('div', { class: 'earning-stat' }, h('span', { class: 'muted small' }, 'You earned'), h('strong', { 'data-testid': 'referral-earned' }, money(r.earned_cents)))),
        ctx.me.role === 'student' ? null : h('p', { class: 'small muted' }, 'Only students earn referral credit.')));
    } catch (err) {
      if (alive) replace(body, placeholder('error', describeError(err)));
    }
  })();
  return () => { alive = false; };
}
