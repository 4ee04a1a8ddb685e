// Entry point: session bootstrap, the header, and the hash router.
import { api, getToken, setUnauthorizedHandler } from './api.js';
import { clearSession, homeRoute, logOut, mountLogin, onSessionChange, restoreSession, session } from './auth.js';
import { mountBookings } from './bookings.js';
import { mountCalendar } from './calendar.js';
import { discardUnsavedEdits, hasUnsavedEdits } from './calendar-drafts.js';
import { h, placeholder, replace } from './dom.js';
import { mountInstructorList } from './instructors.js';
import { mountCollaborators, mountSettings } from './manage.js';
import { mountNotifications } from './notifications.js';
import { mountCards, mountEarnings } from './payments.js';
import { mountCredits } from './credits.js';
import { mountSlots } from './slots.js';
import { discardUnsavedWeeklyEdits, hasUnsavedWeeklyEdits, mountWeekly } from './weekly.js';
import { LiveSocket } from './ws.js';
import { mainMenu } from './main-menu.js';
import { mountAdminChecks } from './admin-checks.js';
import { mountAdminCatalog } from './admin-catalog.js';
import { mountOnboarding } from './onboarding.js';
import { avatar, mountAccount } from './picture.js';
import { mountProfile } from './profile.js';
import { mountContextList, mountHome } from './home.js';
import { mountPublicProfile } from './profile-public.js';
import { mountReferral } from './referral.js';
import { mountSearch } from './search.js';

const socket = new LiveSocket();
const header = document.getElementById('topbar');
const view = document.getElementById('view');

// name, pattern, needs login, mount(root, ctx, params), title
const ROUTES = [
  ['login', /^#\/login$/, false, mountLogin, 'Log in'],
  ['home', /^#\/(?:discover)?$/, false, mountHome, 'Find private lessons'],
  ['search', /^#\/search(?:\?(?<query>.*))?$/, false, mountSearch, 'Search'],
  ['browse', /^#\/browse\/(?<category>[a-z0-9-]+)\/(?<service>[a-z0-9-]+)$/, false, mountContextList, 'Instructors'],
  ['public-profile', /^#\/instructors\/(?<id>\d+)$/, false, mountPublicProfile, 'Instructor'],
  ['referral', /^#\/referral$/, true, mountReferral, 'Invite friends'],
  ['weekly', /^#\/calendar\/(?<id>\d+)\/weekly$/, true, mountWeekly, 'Weekly hours'],
  ['calendar', /^#\/calendar(?:\/(?<id>\d+)(?:\/(?<week>[^/]+))?)?$/, true, mountCalendar, 'Calendar'],
  ['settings', /^#\/settings$/, true, mountSettings, 'Booking settings'],
  ['collaborators', /^#\/collaborators$/, true, mountCollaborators, 'Collaborators'],
  ['instructors', /^#\/instructors$/, false, mountInstructorList, 'Instructors'],
  ['instructor', /^#\/instructor\/(?<id>\d+)(?:\?(?<query>.*))?$/, false, mountSlots, 'Book a lesson'],
  ['cards', /^#\/cards(?:\?(?<query>.*))?$/, true, mountCards, 'Payment'],
  ['earnings', /^#\/earnings$/, true, mountEarnings, 'Earnings'],
  ['credits', /^#\/credits$/, true, mountCredits, 'Credits'],
  ['onboarding', /^#\/onboarding$/, true, mountOnboarding, 'Onboarding'],
  ['profile', /^#\/profile$/, true, mountProfile, 'Your profile'],
  ['account', /^#\/account$/, true, mountAccount, 'Your account'],
  ['admin-checks', /^#\/admin\/background-checks$/, true, mountAdminChecks, 'Background checks'],
  ['admin-catalog', /^#\/admin\/catalog$/, true, mountAdminCatalog, 'Catalog'],
  ['bookings', /^#\/bookings(?:\/(?<when>upcoming|past|cancelled))?(?:\/(?<lesson>\d+))?$/, true, mountBookings, 'My lessons'],
];

let teardownView = () => {};
let routeToken = 0;
let bell = { close() {}, unmount() {} }; // the header's notifications, for a signed-in user
let menu = { close() {}, state: () => null, fit() {} }; // the header's main menu, once rendered
let pageShown = false; // until the first page is in, the header's popups are the user's, not a page's
let notice = null; // one-off message for the login page
let nextRoute = sessionStorage.getItem('instainstru.next');

function navigate(hash, { replace: replaceEntry = false } = {}) {
  if (replaceEntry) {
    history.replaceState(null, '', hash);
    route();
  } else if (location.hash === hash) route();
  else location.hash = hash;
}

const ctx = {
  socket,
  navigate,
  get me() { return session.me; },
  // Send an anonymous user to log in, then bring them back here.
  requireLogin() {
    nextRoute = location.hash;
    sessionStorage.setItem('instainstru.next', nextRoute);
    navigate('#/login');
  },
  takeNextRoute() {
    const next = nextRoute;
    nextRoute = null;
    sessionStorage.removeItem('instainstru.next');
    return next;
  },
  takeNotice() {
    const text = notice;
    notice = null;
    return text;
  },
};

function route() {
  const hash = location.hash || '#/';
  const match = ROUTES.map(([name, pattern, auth, mount, title]) => ({ name, auth, mount, title, m: hash.match(pattern) }))
    .find((r) => r.m);
  if (!match) { // a stale or mistyped address: the start page (a visitor's is the discovery home)
    navigate(session.me ? homeRoute(session.me) : '#/', { replace: true });
    return;
  }
  if (match.auth && !session.me) {
    ctx.requireLogin();
    return;
  }
  // '#/' is the discovery home for visitors and students; people with calendars start there (#/discover stays).
  if (match.name === 'home' && hash !== '#/discover' && session.me && homeRoute(session.me) !== '#/instructors') {
    navigate(homeRoute(session.me), { replace: true });
    return;
  }
  if (match.name === 'login' && session.me) {
    navigate(homeRoute(session.me), { replace: true });
    return;
  }
  // A new page closes the header's popups (the back button, a page sending the user on); the first
  // page of a load does not: a menu opened while the page loaded is still wanted.
  if (pageShown) {
    menu.close();
    bell.close();
  }
  pageShown = true;
  teardownView();
  teardownView = () => {};
  view.replaceChildren();
  document.title = `${match.title} · InstaInstru`;
  markActiveNav(match.name);
  window.scrollTo(0, 0);
  const params = Object.fromEntries(Object.entries(match.m.groups ?? {}).filter(([, v]) => v != null));
  const token = ++routeToken;
  try {
    const teardown = match.mount(view, ctx, params) ?? (() => {});
    // A view may redirect while mounting (e.g. to the canonical week); the newer route owns the page.
    if (token === routeToken) teardownView = teardown;
    else teardown();
  } catch (err) {
    console.error(err);
    replace(view, h('section', { class: 'page' }, placeholder('error', 'Something went wrong showing this page. Try reloading.')));
  }
}

function markActiveNav(name) {
  const section = { search: 'home', browse: 'home', 'public-profile': 'home', instructor: 'instructors', weekly: 'calendar', settings: 'calendar', collaborators: 'calendar' }[name] ?? name;
  for (const link of header.querySelectorAll('[data-nav]')) {
    const current = link.dataset.nav === section;
    link.classList.toggle('is-active', current);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

const wsStatus = h('span', { class: 'ws-status', 'data-testid': 'ws-status', title: 'Live updates' }, 'offline');
// Anonymous visitors have nothing of theirs to lose while offline: they see the pill only when live.
const showWsStatus = (status) => {
  wsStatus.textContent = status;
  wsStatus.classList.toggle('is-live', status === 'live');
  wsStatus.hidden = status !== 'live' && !session.me;
  menu.fit();
};
socket.onStatus(showWsStatus);

function renderHeader() {
  bell.unmount();
  bell = { close() {}, unmount() {} };
  const me = session.me;
  const link = (nav, href, label) => h('a', { href, 'data-nav': nav }, label);
  const kept = menu.state(); // before the redraw takes the old menu (and the focus in it) away
  menu.close();
  const onboardingLink = me?.role === 'instructor' ? h('a', { href: '#/onboarding', 'data-nav': 'onboarding', 'data-testid': 'nav-onboarding', hidden: true }, 'Get started') : null;
  menu = mainMenu([
    onboardingLink, // first: until live, the checklist is what an instructor needs
    me?.role === 'admin' ? link('admin-catalog', '#/admin/catalog', 'Catalog') : null, // first too: what only admins do
    me?.role === 'instructor' || me?.manages?.length ? link('calendar', '#/calendar', me.role === 'instructor' ? 'Calendar' : 'Calendars') : null,
    link('home', me?.role === 'instructor' || me?.manages?.length ? '#/discover' : '#/', 'Find lessons'),
    link('instructors', '#/instructors', 'Instructors'),
    me ? link('bookings', '#/bookings', me.role === 'instructor' ? 'Lessons' : 'My lessons') : null,
    me?.role === 'student' ? link('cards', '#/cards', 'Payment') : null,
    me?.role === 'student' ? link('credits', '#/credits', 'Credits') : null,
    me?.role === 'instructor' ? link('earnings', '#/earnings', 'Earnings') : null,
    me ? link('referral', '#/referral', 'Invite') : null,
    me?.role === 'admin' ? link('admin-checks', '#/admin/background-checks', 'Checks') : null]);
  // An instructor who is not live yet has the checklist in the menu.
  if (me?.role === 'instructor') {
    api.get('/api/instructors/me/onboarding').then((o) => {
      onboardingLink.hidden = Boolean(o?.is_live);
      menu.fit();
    }).catch(() => {});
  }
  const bellSlot = h('div', {});
  const right = h('div', { class: 'topbar-right' }, wsStatus,
    me ? [
      bellSlot,
      h('a', {
        class: 'user-link', href: me.role === 'instructor' ? '#/profile' : '#/account', 'data-testid': 'user-link',
        'data-nav': me.role === 'instructor' ? 'profile' : 'account', 'aria-label': `${me.full_name}: your ${me.role === 'instructor' ? 'profile' : 'account'}`,
      }, avatar(me, 'sm'), h('span', { class: 'user-name', 'data-testid': 'user-name', title: me.email }, me.full_name)),
      h('button', { class: 'btn btn-small', 'data-testid': 'logout', onclick: onLogout }, 'Log out'),
    ] : h('a', { href: '#/login', class: 'btn btn-small btn-primary' }, 'Log in'));
  replace(header, h('a', { href: '#/', class: 'brand' }, h('span', { class: 'brand-mark' }, 'I'), 'InstaInstru'), menu.nav, right);
  menu.fit();
  if (kept) menu.restore(kept);
  if (me) bell = mountNotifications(bellSlot, ctx);
}

function onLogout() {
  if ((hasUnsavedEdits() || hasUnsavedWeeklyEdits()) && !window.confirm('You have unsaved calendar changes. Log out and lose them?')) return;
  discardUnsavedEdits();
  discardUnsavedWeeklyEdits();
  logOut();
  navigate('#/login');
}

onSessionChange(() => {
  showWsStatus(socket.status);
  socket.setToken(getToken());
  renderHeader();
});

let handlingExpiry = false;
setUnauthorizedHandler(() => {
  if (handlingExpiry) return;
  handlingExpiry = true;
  clearSession();
  notice = 'Your session has ended. Please log in again.';
  navigate('#/login');
  handlingExpiry = false;
});

// The socket says our token is no longer good: confirm over REST (a 401 there logs us out).
socket.onUnauthorized = () => {
  if (getToken()) api.get('/api/me').catch(() => {});
};

window.addEventListener('hashchange', route);
window.addEventListener('resize', () => menu.fit());

async function boot() {
  replace(view, placeholder('loading', 'Loading…'));
  renderHeader();
  await restoreSession(); // re-renders the header through onSessionChange when it finds a user
  socket.setToken(getToken());
  route();
}

boot();
