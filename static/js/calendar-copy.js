// "Copy to next week": shows what the copy would overwrite in the next week and asks first.
import { describeError, request } from './api.js';
import { h, replace } from './dom.js';
import { sameDays } from './ranges.js';
import { addDays, formatClockRange, formatDayMedium, formatWeekSpan, weekDates } from './time.js';

const weekUrl = (instructorId, weekStart) => `/api/instructors/${instructorId}/availability/weeks/${weekStart}`;

export function mountCopyToNextWeek({ instructorId, weekStart, clientId, alive, setStatus, after }) {
  const target = addDays(weekStart, 7);
  const targetName = `the week of ${formatWeekSpan(target)}`;
  let week = null; // this week, as saved
  let busy = false;

  const button = h('button', { class: 'btn', 'data-testid': 'week-copy-next', onclick: () => prepare() }, 'Copy to next week');
  const panelText = h('div', { class: 'banner-text' });
  const confirmButton = h('button', { class: 'btn btn-small btn-primary', 'data-testid': 'copy-confirm' }, 'Replace it');
  const panel = h('div', { class: 'banner banner-info', 'data-testid': 'copy-confirm-panel', role: 'region', 'aria-label': 'Copy to next week', hidden: true },
    panelText,
    h('div', { class: 'banner-actions' }, confirmButton,
      h('button', { class: 'btn btn-small', 'data-testid': 'copy-cancel', onclick: () => close('Nothing was copied.') }, 'Cancel')));

  function close(message) {
    panel.hidden = true;
    if (message) setStatus(message, 'info');
    button.focus();
  }

  async function prepare() {
    if (!week || busy) return;
    busy = true;
    button.disabled = true;
    setStatus(`Looking at ${targetName}…`);
    try {
      const { data: next } = await request('GET', weekUrl(instructorId, target));
      if (!alive()) return;
      const filled = Object.entries(next.days).filter(([, ranges]) => ranges.length);
      const shifted = Object.fromEntries(weekDates(target).map((date, i) => [date, week.days[addDays(weekStart, i)] ?? []]));
      if (sameDays(next.days, shifted)) {
        setStatus(`${targetName[0].toUpperCase()}${targetName.slice(1)} already has the same hours.`, 'info');
        return;
      }
      if (!filled.length) {
        await copy(next.version);
        return;
      }
      replace(panelText,
        h('strong', {}, `Copying replaces the hours of ${targetName}${next.source === 'template' ? ' (now your weekly hours)' : ''}:`),
        h('ul', { class: 'booking-conflicts', 'data-testid': 'copy-overwrites' }, filled.map(([date, ranges]) => h('li', {},
          `${formatDayMedium(date)}: ${ranges.map((r) => formatClockRange(r.start, r.end)).join(', ')}`))),
        h('span', { class: 'small' }, 'with this week\'s hours. Booked lessons are kept.'));
      confirmButton.onclick = () => { panel.hidden = true; copy(next.version); };
      panel.hidden = false;
      setStatus('');
      confirmButton.focus();
    } catch (err) {
      if (alive()) setStatus(`Not copied: ${describeError(err)}`, 'error');
    } finally {
      busy = false;
      if (alive()) after();
    }
  }

  async function copy(version) {
    setStatus(`Copying to ${targetName}…`);
    try {
      await request('POST', `${weekUrl(instructorId, weekStart)}/copy`, {
        body: { to: { [target]: version } },
        headers: { 'X-Client-Id': clientId },
      });
      if (alive()) {
        setStatus(`Copied to ${targetName}.`, 'ok',
          h('a', { href: `#/calendar/${instructorId}/${target}`, class: 'status-link' }, 'Open it'));
      }
    } catch (err) {
      if (!alive()) return;
      if (err.code === 'booked_range') setStatus(`Not copied to ${targetName}: ${err.message}`, 'error');
      else if (err.code === 'stale_version') setStatus(`${targetName} changed meanwhile: nothing was copied. Try again.`, 'error');
      else setStatus(`Not copied: ${describeError(err)}`, 'error');
    } finally {
      if (alive()) after();
    }
  }

  return {
    button,
    panel,
    update({ disabled, dirty, week: current }) {
      week = current;
      button.disabled = disabled || busy;
      button.title = dirty ? 'Save your changes first' : `Copy this week onto ${targetName}`;
    },
  };
}
