// The week editor's head: whose calendar, week navigation, the view and grid-step switches, Save,
// and whether the week follows the weekly hours (with a way back to them). It only reports intents.
import { h } from './dom.js';
import { formatWeekSpan, zoneCity } from './time.js';

export function createWeekToolbar({
  instructorId, weekStart, isOwner, copyButton, onWeek, onThisWeek, onView, onStep, onSave, onUseWeekly,
}) {
  const owner = h('h1', { class: 'calendar-owner', 'data-testid': 'calendar-owner' });
  const title = h('h2', { class: 'week-title', 'data-testid': 'week-title' }, formatWeekSpan(weekStart));
  const zoneNote = h('p', { class: 'muted small' });
  const saveButton = h('button', { class: 'btn btn-primary', 'data-testid': 'week-save', onclick: onSave }, 'Save');
  const stepSelect = h('select', { 'aria-label': 'Grid resolution', 'data-testid': 'grid-step' },
    h('option', { value: '30' }, '30 min'), h('option', { value: '15' }, '15 min'));
  stepSelect.addEventListener('change', () => onStep(Number(stepSelect.value)));
  const stepField = h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Grid'), stepSelect);
  const viewButtons = ['grid', 'list'].map((view) => h('button', {
    type: 'button', class: 'seg', 'data-testid': `view-${view}`, 'aria-pressed': 'false', onclick: () => onView(view),
  }, view === 'grid' ? 'Week grid' : 'Day list'));

  const sourceText = h('span', { class: 'week-source-text', 'data-testid': 'week-source-text' });
  const useWeeklyButton = h('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'week-use-weekly', onclick: onUseWeekly,
  }, 'Use weekly hours');
  const sourceNote = h('div', { class: 'week-source', 'data-testid': 'week-source', hidden: true },
    sourceText, useWeeklyButton,
    h('a', { href: `#/calendar/${instructorId}/weekly`, 'data-testid': 'weekly-hours-link' }, 'Edit weekly hours'));

  const head = h('div', { class: 'calendar-head' },
    h('div', { class: 'calendar-titles' }, owner,
      h('div', { class: 'week-nav' },
        h('button', { class: 'btn btn-icon', 'data-testid': 'week-prev', 'aria-label': 'Previous week', onclick: () => onWeek(-7) }, '‹'),
        h('button', { class: 'btn btn-small', onclick: onThisWeek }, 'This week'),
        h('button', { class: 'btn btn-icon', 'data-testid': 'week-next', 'aria-label': 'Next week', onclick: () => onWeek(7) }, '›'),
        title),
      zoneNote),
    h('div', { class: 'week-actions' },
      isOwner ? h('nav', { class: 'calendar-links', 'aria-label': 'Calendar settings' },
        h('a', { href: '#/settings', 'data-testid': 'calendar-settings-link' }, 'Booking settings'),
        h('a', { href: '#/collaborators', 'data-testid': 'calendar-collaborators-link' }, 'Collaborators')) : null,
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Show the week as' }, viewButtons),
      stepField, copyButton, saveButton));

  return {
    head,
    sourceNote,
    setOwner(name) {
      owner.textContent = name ? `${name}'s calendar` : 'Calendar';
      if (name) document.title = `${name}'s calendar · InstaInstru`;
    },
    // `ended`: the week is over, so the weekly hours have nothing to say about it.
    update({ week, myZone, saving, dirty, view, step, ended }) {
      saveButton.disabled = saving || !dirty;
      saveButton.textContent = saving ? 'Saving…' : 'Save';
      const tz = week.timezone;
      zoneNote.textContent = `Times in ${zoneCity(tz)} (${tz})${tz !== myZone ? ` · you are in ${zoneCity(myZone)}` : ''}`;
      for (const button of viewButtons) button.setAttribute('aria-pressed', String(button.dataset.testid === `view-${view}`));
      stepField.hidden = view !== 'grid';
      stepSelect.value = String(step);
      const follows = week.source === 'template';
      sourceNote.hidden = ended;
      sourceNote.dataset.source = week.source ?? 'week';
      sourceNote.classList.toggle('is-own', !follows);
      sourceText.textContent = follows ? `Follows ${isOwner ? 'your' : 'the'} weekly hours` : 'This week has its own hours';
      useWeeklyButton.hidden = follows;
      useWeeklyButton.disabled = saving || dirty;
      useWeeklyButton.title = dirty ? 'Save or discard your changes first' : '';
    },
  };
}
