// Unsaved week edits, for this page load: those of weeks the user navigated away from (kept until
// they come back) and those of the editor on screen. Reload, logout and leaving ask first.

// key ('{me}:{instructor}/{week_start}') → { week, days }
export const drafts = new Map();
let openEditor = null; // the mounted editor: { dirty(), discard() }

export function setOpenEditor(editor) {
  openEditor = editor;
}

export function hasUnsavedEdits() {
  return drafts.size > 0 || Boolean(openEditor?.dirty());
}

export function discardUnsavedEdits() {
  drafts.clear();
  openEditor?.discard();
}

window.addEventListener('beforeunload', (event) => {
  if (!hasUnsavedEdits()) return;
  event.preventDefault();
  event.returnValue = ''; // older browsers ask only when this is set
});
