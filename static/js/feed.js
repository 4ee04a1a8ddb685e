// The secret calendar-feed link (API.md "Calendar feeds and waitlist"): create, replace, revoke.
// The server never shows a URL again after creating it, so this page shows it only right then.
import { api, describeError } from './api.js';
import { copyField } from './copy.js';
import { h, replace } from './dom.js';

export function feedSection() {
  const slot = h('div', { 'data-testid': 'feed-link' });
  const note = h('p', { class: 'banner', role: 'status', 'data-testid': 'feed-status', hidden: true });
  const say = (text, kind) => { note.textContent = text; note.className = `banner banner-${kind}`; note.hidden = !text; };
  const create = h('button', { class: 'btn btn-primary', 'data-testid': 'feed-create' }, 'Create calendar link');
  const revoke = h('button', { class: 'btn btn-danger', 'data-testid': 'feed-revoke' }, 'Turn off calendar link');

  create.onclick = async () => {
    create.disabled = true;
    try {
      const { url } = await api.post('/api/me/calendar-feed');
      replace(slot, copyField('Your calendar link', url, 'feed-url').el,
        h('p', { class: 'small muted' }, 'Copy it now: for your privacy it is shown only once. Creating a new link turns this one off.'));
      create.textContent = 'Replace with a new link';
      say('Calendar link created. Add it in your calendar app as a subscription ("From URL").', 'ok');
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      create.disabled = false;
    }
  };
  revoke.onclick = async () => {
    revoke.disabled = true;
    try {
      await api.del('/api/me/calendar-feed');
      replace(slot);
      create.textContent = 'Create calendar link';
      say('Calendar link turned off: calendars using it stop updating.', 'ok');
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      revoke.disabled = false;
    }
  };

  return h('section', { class: 'card profile-section', 'aria-labelledby': 'feed-title', 'data-testid': 'calendar-feed' },
    h('h2', { class: 'section-title', id: 'feed-title' }, 'Your lessons in your calendar'),
    h('p', { class: 'small' }, 'A private link (iCal) that Google Calendar, Apple Calendar or Outlook can subscribe to: your upcoming and past lessons appear there and stay up to date. Anyone with the link can see your lessons, so keep it to yourself; you can replace it or turn it off at any time.'),
    slot, note, h('div', { class: 'form-actions' }, revoke, create));
}
