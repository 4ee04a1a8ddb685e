// The secret calendar-feed link (API.md "Calendar feeds and waitlist"): the current one shown on
// load (GET /api/me/calendar-feed, from any device), created, replaced and revoked.
import { api, ApiError, describeError } from './api.js';
import { copyField } from './copy.js';
import { h, replace } from './dom.js';

export function feedSection() {
  const slot = h('div', { 'data-testid': 'feed-link' });
  const note = h('p', { class: 'banner', role: 'status', 'data-testid': 'feed-status', hidden: true });
  const say = (text, kind) => { note.textContent = text; note.className = `banner banner-${kind}`; note.hidden = !text; };
  const create = h('button', { class: 'btn btn-primary', 'data-testid': 'feed-create' }, 'Create calendar link');
  const revoke = h('button', { class: 'btn btn-danger', 'data-testid': 'feed-revoke', hidden: true }, 'Turn off calendar link');

  let acted = false; // a click answered before the first load: the load is older news
  // url: the link to show; null with `exists`: a working link the server cannot show again.
  const show = (url, exists = Boolean(url)) => {
    if (url) {
      replace(slot, copyField('Your calendar link', url, 'feed-url').el,
        h('p', { class: 'small muted' }, 'Only you can see this link here. Creating a new link turns this one off.'));
    } else if (exists) {
      replace(slot, h('p', { class: 'small', 'data-testid': 'feed-hidden' },
        'You have a calendar link from before that can no longer be shown here. It keeps working; replace it to see a new one.'));
    } else {
      replace(slot);
    }
    create.textContent = exists ? 'Replace with a new link' : 'Create calendar link';
    revoke.hidden = !exists;
  };

  create.onclick = async () => {
    acted = true;
    create.disabled = true;
    try {
      const { url } = await api.post('/api/me/calendar-feed');
      show(url);
      say('Calendar link created. Add it in your calendar app as a subscription ("From URL").', 'ok');
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      create.disabled = false;
    }
  };
  revoke.onclick = async () => {
    acted = true;
    revoke.disabled = true;
    try {
      await api.del('/api/me/calendar-feed');
      show(null);
      say('Calendar link turned off: calendars using it stop updating.', 'ok');
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      revoke.disabled = false;
    }
  };

  api.get('/api/me/calendar-feed').then(({ url }) => { if (!acted) show(url); }, (err) => {
    if (acted) return;
    if (err instanceof ApiError && err.code === 'no_calendar_feed') show(null);
    else if (err instanceof ApiError && err.code === 'calendar_feed_not_shown') show(null, true);
    else say(describeError(err), 'error');
  });

  return h('section', { class: 'card profile-section', 'aria-labelledby': 'feed-title', 'data-testid': 'calendar-feed' },
    h('h2', { class: 'section-title', id: 'feed-title' }, 'Your lessons in your calendar'),
    h('p', { class: 'small' }, 'A private link (iCal) that Google Calendar, Apple Calendar or Outlook can subscribe to: your upcoming and past lessons appear there and stay up to date. Anyone with the link can see your lessons, so keep it to yourself; you can replace it or turn it off at any time.'),
    slot, note, h('div', { class: 'form-actions' }, revoke, create));
}
