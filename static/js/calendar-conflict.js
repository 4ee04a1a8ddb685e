// Conflicts in words, for the week editor and the weekly hours: the user's unsaved edits, the banner
// that says who changed them meanwhile and what (offering to re-apply or discard), what a
// re-application could not keep, and the lessons a booked_range refusal names.
import { h, replace } from './dom.js';
import { formatClockRange, formatDayMedium } from './time.js';

// 'Piano lesson with Rosa Díaz: Mon, Dec 14 10:00 AM – 11:00 AM (on hold)'
export function bookingLine(b) {
  const what = b.service_name ? `${b.service_name} lesson` : 'Lesson';
  const who = b.student_name ? ` with ${b.student_name}` : '';
  const when = b.date ? `${formatDayMedium(b.date)} ${formatClockRange(b.start, b.end)}` : formatClockRange(b.start, b.end);
  return `${what}${who}: ${when}${b.status === 'held' ? ' (on hold)' : ''}`;
}

export const listOf = (lines, testid) => (lines.length
  ? h('ul', { class: 'booking-conflicts', 'data-testid': testid }, lines.map((l) => h('li', {}, l))) : null);

// 'Tue, Nov 24: added 6:00 PM – 7:00 PM; removed 9:00 AM – 10:00 AM' (`dayName` names the key)
export function editLines(edits, dayName = formatDayMedium) {
  const spans = (ranges) => ranges.map((r) => formatClockRange(r.start, r.end)).join(', ');
  return Object.entries(edits).map(([day, { added, removed }]) => {
    const parts = [];
    if (added.length) parts.push(`added ${spans(added)}`);
    if (removed.length) parts.push(`removed ${spans(removed)}`);
    return `${dayName(day)}: ${parts.join('; ')}`;
  });
}

// The banner shown when a newer version of `subject` (this week, these weekly hours) arrived while the
// user had unsaved edits: who changed it, what they changed when it is known, and the user's edits.
export function createConflictBanner({ onReapply, onDiscard, subject = 'this week', dayName = formatDayMedium }) {
  const text = h('div', { class: 'banner-text' });
  const el = h('div', { class: 'banner banner-warn conflict-banner', 'data-testid': 'conflict-banner', role: 'alert', hidden: true },
    text,
    h('div', { class: 'banner-actions' },
      h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'conflict-reapply', onclick: onReapply }, 'Re-apply my changes'),
      h('button', { class: 'btn btn-small', 'data-testid': 'conflict-reload', onclick: onDiscard }, 'Discard my changes')));
  let shown = '';
  return {
    el,
    // `who`: the people who changed it (null when only a booking did); `theirs`: their edits, if known.
    show(who, byBooking, edits, theirs = null) {
      const mine = editLines(edits, dayName);
      const changed = theirs ? editLines(theirs, dayName) : [];
      const key = JSON.stringify([who, byBooking, mine, changed]);
      el.hidden = false;
      if (key === shown) return; // an alert is read out again whenever it changes
      shown = key;
      replace(text,
        h('strong', { 'data-testid': 'conflict-who' }, !who
          ? `A lesson was booked or cancelled in ${subject} while you were editing.`
          : `${who} changed ${subject}${byBooking ? ', and a lesson was booked or cancelled,' : ''} while you were editing${changed.length ? ':' : '.'}`),
        listOf(changed, 'conflict-theirs'),
        ' Your unsaved changes are still here:',
        listOf(mine, 'conflict-edits'),
        h('span', { class: 'small' }, 'Re-apply them on top of the new version (then Save), or discard them.'));
    },
    hide() {
      el.hidden = true;
      shown = '';
    },
  };
}

// What a re-application could not keep, and where someone else changed the same times.
export function reapplyReport(result, who, dayName = formatDayMedium) {
  const line = (r) => `${dayName(r.date)} ${formatClockRange(r.start, r.end)}${r.reason ? `: ${r.reason}` : ''}`;
  return [
    result.skipped.length ? h('div', { 'data-testid': 'reapply-skipped' }, 'Could not be re-applied:', listOf(result.skipped.map(line), null)) : null,
    result.overlapping.length ? h('div', { 'data-testid': 'reapply-overlaps' }, `${who} also changed:`, listOf(result.overlapping.map(line), null)) : null,
  ];
}
