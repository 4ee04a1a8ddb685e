// Reviews (API.md "Reviews and referrals"): a star picker that is a radio group (arrow keys move,
// Space picks), the review form a student opens once on a completed lesson, a review as shown on a
// profile with the instructor's response, and the instructor's one response form.
import { api, ApiError, describeError } from './api.js';
import { h, replace } from './dom.js';
import { relativeTime } from './time.js';

const MAX_TEXT = 2000;
const STAR_WORDS = ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent'];
let groups = 0;

// A booking carries its lesson's review (`review: {id, rating}` or null), so every device knows; a
// review sent from this page counts at once, before the list is loaded again.
const sent = new Map();
const reviewOf = (booking) => booking.review ?? sent.get(String(booking.id)) ?? null;

export function starsText(rating) {
  return `${'★'.repeat(rating)}${'☆'.repeat(5 - rating)}`;
}

export function starPicker(onChange = () => {}) {
  const name = `stars-${++groups}`;
  const legend = h('legend', { class: 'field-label' }, 'Your rating');
  const words = h('span', { class: 'small muted star-words', 'data-testid': 'star-words', 'aria-hidden': 'true' }, 'Pick 1 to 5 stars');
  const inputs = [1, 2, 3, 4, 5].map((n) => h('input', {
    type: 'radio', name, value: n, id: `${name}-${n}`, class: 'star-input', 'data-testid': `star-${n}`,
    onchange: () => { paint(n); onChange(n); },
  }));
  const labels = inputs.map((input, i) => h('label', { for: input.id, class: 'star', title: `${i + 1} of 5` },
    h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'sr-only' }, `${i + 1} star${i ? 's' : ''}: ${STAR_WORDS[i + 1]}`)));
  const paint = (n) => {
    labels.forEach((label, i) => label.classList.toggle('is-on', i < n));
    words.textContent = `${n} of 5: ${STAR_WORDS[n]}`;
  };
  const stars = h('div', { class: 'star-row' }, inputs.flatMap((input, i) => [input, labels[i]]));
  const fieldset = h('fieldset', { class: 'star-picker', 'data-testid': 'star-picker' }, legend, stars, words);
  return { el: fieldset, value: () => Number(inputs.find((i) => i.checked)?.value ?? 0), focus: () => inputs[0].focus() };
}

function textArea(label, testid) {
  const id = `${testid}-${++groups}`;
  const count = h('span', { class: 'small muted', 'data-testid': `${testid}-count`, 'aria-live': 'polite' }, `0 / ${MAX_TEXT}`);
  const area = h('textarea', {
    id, rows: 4, maxlength: MAX_TEXT, 'data-testid': testid,
    oninput: () => { count.textContent = `${area.value.length} / ${MAX_TEXT}`; },
  });
  return { area, el: h('div', { class: 'field' }, h('label', { class: 'field-label', for: id }, label), area, count) };
}

// Open forms by booking id: the lessons list re-renders on live updates, and a half-written review
// (stars, text, focus) must survive that.
const openForms = new Map();

// On a completed lesson of a student (lessons page): "Review" once, then the form in place.
export function offerReview(booking, actions, me) {
  if (booking.status !== 'completed' || me.role !== 'student') return;
  const open = openForms.get(String(booking.id));
  if (open) {
    const focused = open.contains(document.activeElement) ? document.activeElement : null;
    replace(actions, open);
    open.rehome(actions);
    if (focused) queueMicrotask(() => focused.focus());
    return;
  }
  const review = reviewOf(booking);
  if (review) {
    const stars = review.rating ? h('span', {
      class: 'review-stars', role: 'img', 'aria-label': `${review.rating} of 5 stars`, 'data-testid': 'review-done-rating',
    }, starsText(review.rating)) : null;
    actions.append(h('span', { class: 'small muted', 'data-testid': 'review-done' }, 'Reviewed ', stars, ' — thank you'));
    return;
  }
  const button = h('button', {
    class: 'btn btn-small', 'data-testid': 'review-open', 'aria-label': `Review ${booking.service_name ?? 'lesson'} with ${booking.instructor_name}`,
    onclick: () => {
      const form = reviewForm(booking, me, actions);
      openForms.set(String(booking.id), form);
      replace(actions, form);
    },
  }, 'Review');
  actions.append(button);
}

function reviewForm(booking, me, startIn) {
  let actions = startIn; // the row's actions box (a new one after each re-render)
  const stars = starPicker();
  const text = textArea('What went well, or could be better? (optional)', 'review-text');
  const note = h('p', { class: 'field-error', 'data-testid': 'review-error', role: 'alert', hidden: true });
  const send = h('button', { class: 'btn btn-primary btn-small', type: 'submit', 'data-testid': 'review-submit' }, 'Send review');
  const done = (words, review = {}) => {
    sent.set(String(booking.id), review); // {} when the server says it was reviewed elsewhere
    openForms.delete(String(booking.id));
    replace(actions, h('span', { class: 'small', 'data-testid': 'review-done', role: 'status' }, words));
  };
  const form = h('form', {
    class: 'review-form', 'data-testid': 'review-form', 'aria-label': `Review of ${booking.service_name ?? 'the lesson'} with ${booking.instructor_name}`,
    onsubmit: async (e) => {
      e.preventDefault();
      const rating = stars.value();
      if (!rating) {
        note.textContent = 'Pick 1 to 5 stars first.';
        note.hidden = false;
        stars.focus();
        return;
      }
      send.disabled = true;
      try {
        const body = text.area.value.trim() ? { rating, text: text.area.value.trim() } : { rating };
        const made = await api.post(`/api/bookings/${booking.id}/review`, body);
        done(`Thanks! Your ${rating}-star review is on ${booking.instructor_name}'s profile.`, { id: made.id, rating: made.rating });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'already_reviewed') {
          done('You have already reviewed this lesson.');
          return;
        }
        note.textContent = err instanceof ApiError && err.code === 'not_completed'
          ? 'This lesson is not completed yet: review it once it is.' : describeError(err);
        note.hidden = false;
        send.disabled = false;
      }
    },
  },
  stars.el, text.el, note,
  h('div', { class: 'form-actions' },
    h('button', {
      type: 'button', class: 'btn btn-small',
      onclick: () => {
        openForms.delete(String(booking.id));
        replace(actions);
        offerReview(booking, actions, me);
        actions.querySelector('[data-testid="review-open"]')?.focus();
      },
    }, 'Not now'),
    send));
  form.rehome = (box) => { actions = box; };
  queueMicrotask(() => stars.focus());
  return form;
}

// A review as listed on a profile; `canRespond`: the viewer is the reviewed instructor.
export function reviewItem(review, { canRespond = false } = {}) {
  const response = h('div', { class: 'review-response-slot' });
  const showResponse = (r) => replace(response, h('div', { class: 'review-response', 'data-testid': 'review-response' },
    h('strong', { class: 'small' }, 'The instructor responded'), h('p', {}, r.text)));
  if (review.response) showResponse(review.response);
  else if (canRespond) replace(response, respondButton(review, showResponse, response));
  return h('li', { class: 'review', 'data-testid': 'review', 'data-id': review.id },
    h('div', { class: 'review-top' },
      h('span', { class: 'review-stars', role: 'img', 'aria-label': `${review.rating} of 5 stars`, 'data-testid': 'review-rating' }, starsText(review.rating)),
      h('strong', {}, review.student_first_name),
      h('span', { class: 'muted small' }, relativeTime(review.created_at))),
    review.text ? h('p', { class: 'review-text', 'data-testid': 'review-body' }, review.text) : null,
    response);
}

function respondButton(review, showResponse, slot) {
  const button = h('button', {
    class: 'btn btn-small', 'data-testid': 'respond-open', 'aria-label': `Respond to ${review.student_first_name}'s review`,
    onclick: () => {
      const text = textArea('Your public response (once)', 'respond-text');
      const note = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'respond-error', hidden: true });
      replace(slot, h('form', {
        class: 'respond-form', 'data-testid': 'respond-form',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!text.area.value.trim()) { note.textContent = 'Write a response first.'; note.hidden = false; return; }
          try {
            showResponse(await api.post(`/api/reviews/${review.id}/response`, { text: text.area.value.trim() }).then((r) => r.response));
          } catch (err) {
            note.textContent = err instanceof ApiError && err.code === 'already_responded' ? 'You have already responded to this review.' : describeError(err);
            note.hidden = false;
          }
        },
      }, text.el, note, h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => replace(slot, respondButton(review, showResponse, slot)) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'respond-submit' }, 'Publish response'))));
      text.area.focus();
    },
  }, 'Respond');
  return button;
}
