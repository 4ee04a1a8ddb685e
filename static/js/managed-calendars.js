// "Calendars you manage" (#/calendar for a collaborator): the instructors whose calendars they edit.
import { h, placeholder, replace } from './dom.js';

export function mountManagedList(root, me) {
  const manages = me.manages ?? [];
  replace(root, h('section', { class: 'page' },
    h('h1', {}, 'Calendars you manage'),
    manages.length
      ? h('ul', { class: 'managed-list', 'data-testid': 'managed-calendars' }, manages.map((m) => h('li', {},
        h('a', { class: 'card managed-link', href: `#/calendar/${m.instructor_id}`, 'data-testid': 'managed-calendar' },
          h('span', { class: 'managed-name' }, `${m.full_name}'s calendar`), h('span', { class: 'chevron', 'aria-hidden': 'true' }, '›')))))
      : placeholder('empty', "You don't manage any calendar yet. When an instructor adds you as a collaborator, their calendar appears here.")));
  return () => {};
}
