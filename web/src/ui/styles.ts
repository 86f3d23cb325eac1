// All of the view's CSS, in one <style> inside the view's root (a shadow root
// in production, so nothing leaks in or out). Colours are CSS variables on the
// container, switched by data-theme.

export const VIEW_CSS = `
.board {
  --bg: #ffffff;
  --panel: #ffffff;
  --panel-border: rgba(0, 0, 0, 0.08);
  --shadow: 0 1px 3px rgba(0, 0, 0, 0.08), 0 4px 14px rgba(0, 0, 0, 0.08);
  --text: #1b1b1f;
  --muted: #6b6b76;
  --hover: #f1f0ff;
  --active-bg: #e0dfff;
  --active-fg: #4a47b1;
  --focus: #6965db;
  /* The keyboard focus ring: at least 3:1 against the panels and the board, in both themes (7:1 here). */
  --ring: #4a47b1;
  position: absolute;
  inset: 0;
  overflow: hidden;
  background: var(--bg);
  color: var(--text);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  user-select: none;
  -webkit-user-select: none;
  outline: none;
  contain: strict;
  /* Touches on the canvas and the panels alike are the board's: a pinch with a
     finger on a panel must not zoom the host page. A scrolling list inside a
     panel still scrolls (touch-action stops at its scroll container). */
  touch-action: none;
}
.board[data-theme="dark"] {
  --bg: #121212;
  --panel: #232329;
  --panel-border: rgba(255, 255, 255, 0.08);
  --shadow: 0 1px 3px rgba(0, 0, 0, 0.4), 0 4px 14px rgba(0, 0, 0, 0.35);
  --text: #e3e3e8;
  --muted: #a0a0ab;
  --hover: #2e2d39;
  --active-bg: #403e6a;
  --active-fg: #d0ceff;
  --ring: #a5a3ff;
}
/* The board surface's ring: drawn above the canvas, inside the edge (the board fills its box). */
.board:focus-visible::after {
  content: "";
  position: absolute;
  inset: 0;
  border: 2px solid var(--ring);
  pointer-events: none;
  z-index: 4;
}
/* Read by screen readers, not shown. */
.sr-only {
  position: absolute;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}
/* Dark boards keep the document's colours and invert the drawing, as Excalidraw does:
   #1e1e1e ink turns light, hues stay recognisable. */
.board[data-theme="dark"] canvas,
.board[data-theme="dark"] .text-editor,
.board[data-theme="dark"] .swatch::before {
  filter: invert(93%) hue-rotate(180deg);
}
canvas {
  position: absolute;
  inset: 0;
  width: 100%;
  height: 100%;
  display: block;
}
.panel {
  position: absolute;
  display: flex;
  gap: 2px;
  padding: 4px;
  background: var(--panel);
  border: 1px solid var(--panel-border);
  border-radius: 10px;
  box-shadow: var(--shadow);
  z-index: 2;
}
button {
  position: relative;
  display: inline-flex;
  align-items: center;
  justify-content: center;
  min-width: 36px;
  height: 36px;
  padding: 0 8px;
  border: 0;
  border-radius: 8px;
  background: transparent;
  color: var(--text);
  font: inherit;
  cursor: pointer;
}
button:hover { background: var(--hover); }
button:focus-visible, .person.renamable:focus-visible, .share-link:focus-visible { outline: 2px solid var(--ring); outline-offset: 2px; }
button[aria-pressed="true"] { background: var(--active-bg); color: var(--active-fg); }
button:disabled { opacity: 0.35; cursor: default; background: transparent; }
.toolbar { top: 12px; left: 50%; transform: translateX(-50%); }
.toolbar .key {
  position: absolute;
  right: 3px;
  bottom: 1px;
  font-size: 9px;
  color: var(--muted);
  pointer-events: none;
}
.style-panel {
  top: 64px;
  left: 12px;
  flex-direction: column;
  gap: 8px;
  padding: 10px;
  width: 188px;
}
.style-title { font-size: 11px; color: var(--muted); margin-bottom: 4px; }
.style-row { display: flex; flex-wrap: wrap; gap: 4px; }
.swatch {
  min-width: 26px;
  width: 26px;
  height: 26px;
  padding: 0;
  border-radius: 6px;
  border: 1px solid var(--panel-border);
}
.swatch::before {
  content: "";
  position: absolute;
  inset: 4px;
  border-radius: 4px;
  background: var(--swatch, transparent);
}
.swatch[data-fill="none"]::before, .swatch.width::before { display: none; }
/* Pressed: a ring hugging the swatch; the focus ring stands further out, so the two never look alike. */
.swatch[aria-pressed="true"] { border-color: var(--focus); box-shadow: inset 0 0 0 1px var(--focus); background: transparent; }
.swatch.width { width: 36px; }
.width-line { width: 18px; border-radius: 3px; background: var(--text); }
.zoom { left: 12px; bottom: 12px; align-items: center; }
.zoom-level { min-width: 56px; font-variant-numeric: tabular-nums; font-size: 13px; }
/* Undo/redo, files, history, share and follow-me in a row after the zoom
   controls: what a viewer does not get (display: none) leaves no gap. It
   starts one gap after the zoom panel (left 12px, 180px wide), and wraps
   upward (first panels stay at the bottom) rather than run under the
   connection pill (bottom right, about 80px wide when live). */
.dock {
  position: absolute;
  left: 200px;
  bottom: 12px;
  max-width: calc(100% - 300px);
  display: flex;
  flex-wrap: wrap-reverse;
  align-items: flex-end;
  gap: 8px;
  z-index: 2;
}
.dock > .panel { position: relative; }
.file-message {
  position: absolute;
  bottom: calc(100% + 8px);
  left: 0;
  white-space: nowrap;
  padding: 6px 10px;
  border-radius: 8px;
  color: var(--text);
  background: var(--panel);
  box-shadow: var(--shadow);
  font-size: 13px;
  display: none;
}
.file-message.visible { display: block; }
.image-message {
  position: absolute;
  top: 64px;
  left: 50%;
  transform: translateX(-50%);
  max-width: min(560px, calc(100% - 24px));
  padding: 6px 10px;
  border-radius: 8px;
  color: var(--text);
  background: var(--panel);
  box-shadow: var(--shadow);
  font-size: 13px;
  display: none;
}
.image-message.visible { display: block; }
.share-dialog {
  bottom: 64px;
  left: 220px;
  width: 320px;
  max-width: calc(100% - 24px);
  box-sizing: border-box;
  flex-direction: column;
  gap: 8px;
  padding: 8px 12px 12px;
  z-index: 3;
}
.share-dialog[hidden] { display: none; }
.share-dialog:focus { outline: none; }
.share-row { display: flex; flex-direction: column; align-items: flex-start; gap: 4px; }
.share-text { margin: 0; font-size: 13px; }
.share-link {
  width: 100%;
  box-sizing: border-box;
  padding: 4px 6px;
  border: 1px solid var(--panel-border);
  border-radius: 6px;
  background: var(--bg);
  color: var(--text);
  font: inherit;
  font-size: 12px;
}
.share-link[hidden] { display: none; }
.share-status { min-height: 1em; font-size: 12px; color: var(--muted); }
.role-mark { font-size: 10px; color: var(--muted); white-space: nowrap; }
.history-panel {
  /* Below the preview bar (top centre), which a narrow window would have overlap it. */
  top: 116px;
  right: 12px;
  width: 300px;
  max-height: calc(100% - 150px);
  flex-direction: column;
  gap: 4px;
  padding: 8px;
  overflow: auto;
  z-index: 3;
}
.history-panel[hidden], .preview-bar[hidden] { display: none; }
.history-header { display: flex; align-items: center; justify-content: space-between; }
.history-header h2 { margin: 0 0 0 6px; font-size: 14px; font-weight: 600; }
.history-state { margin: 4px 6px; color: var(--muted); font-size: 13px; user-select: text; -webkit-user-select: text; }
.history-state[data-state="error"] { color: #c92a2a; }
.history-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
.version {
  width: 100%;
  height: auto;
  padding: 6px 8px;
  flex-direction: column;
  align-items: flex-start;
  text-align: left;
}
.version[aria-current="true"] { background: var(--active-bg); color: var(--active-fg); }
.version-time { font-weight: 600; }
.version-details { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.preview-bar { top: 64px; left: 50%; transform: translateX(-50%); align-items: center; gap: 6px; padding: 4px 4px 4px 12px; z-index: 3; white-space: nowrap; }
.text-button { padding: 0 12px; border: 1px solid var(--panel-border); }
.text-button.primary { background: var(--focus); color: #ffffff; border-color: transparent; }
.text-button.primary:hover { background: var(--active-fg); }
.history-message {
  position: absolute;
  bottom: 64px;
  left: 50%;
  transform: translateX(-50%);
  padding: 6px 12px;
  border-radius: 8px;
  background: var(--panel);
  box-shadow: var(--shadow);
  font-size: 13px;
  z-index: 3;
  display: none;
}
.history-message.visible { display: block; }
.person.renamable, .person.followable { cursor: pointer; }
.person.renamable:hover, .person.followable:hover { background: var(--hover); }
.person:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.person[data-following="true"] { background: var(--active-bg); color: var(--active-fg); }
.follow-bar { top: 64px; left: 50%; transform: translateX(-50%); align-items: center; gap: 6px; padding: 4px 4px 4px 12px; white-space: nowrap; }
.follow-bar[hidden] { display: none; }
/* Following while a version is previewed: the follow bar goes below the preview bar, not under it. */
.board:has(> .preview-bar:not([hidden])) > .follow-bar { top: 118px; }
/* A frame in the colour of whom we follow: the view is theirs, not ours. */
.board[data-following="true"]::after {
  content: "";
  position: absolute;
  inset: 0;
  border: 3px solid var(--follow-colour, var(--focus));
  pointer-events: none;
  z-index: 2;
}
.top-right {
  position: absolute;
  top: 12px;
  right: 12px;
  display: flex;
  align-items: center;
  gap: 8px;
  z-index: 2;
  /* Stays clear of the centred tool bar (about 465 px wide). */
  max-width: calc(50% - 244px);
}
.people { display: contents; }
.presence { display: flex; gap: 4px; flex-wrap: wrap; justify-content: flex-end; }
.person {
  display: flex;
  align-items: center;
  gap: 6px;
  max-width: 160px;
  padding: 3px 10px 3px 3px;
  border-radius: 999px;
  background: var(--panel);
  border: 1px solid var(--panel-border);
  box-shadow: var(--shadow);
  font-size: 12px;
}
.person .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.person[data-you] .name::after { content: " (you)"; color: var(--muted); }
.avatar {
  flex: none;
  width: 24px;
  height: 24px;
  border-radius: 50%;
  display: inline-flex;
  align-items: center;
  justify-content: center;
  font-size: 10px;
  font-weight: 600;
}
.avatar::before { content: attr(data-initials); }
.bottom-right { position: absolute; right: 12px; bottom: 12px; z-index: 2; }
.status {
  display: inline-flex;
  align-items: center;
  gap: 6px;
  padding: 6px 12px;
  border-radius: 999px;
  background: var(--panel);
  border: 1px solid var(--panel-border);
  box-shadow: var(--shadow);
  font-size: 12px;
  white-space: nowrap;
}
.status-dot { width: 8px; height: 8px; border-radius: 50%; background: #adb5bd; }
.status[data-status="live"] .status-dot { background: #2f9e44; }
.status[data-status="connecting"] .status-dot,
.status[data-status="syncing"] .status-dot { background: #f08c00; animation: pulse 1.2s ease-in-out infinite; }
.status[data-status="reconnecting"] .status-dot { background: #f08c00; animation: pulse 0.8s ease-in-out infinite; }
.status[data-status="offline"] .status-dot { background: #e03131; }
.status[data-status="deleted"] .status-dot { background: #e03131; }
.board-deleted { flex-direction: column; align-items: center; position: absolute; top: 72px; left: 50%; transform: translateX(-50%); padding: 12px 16px; text-align: center; z-index: 20; }
.board-deleted p { margin: 0 0 8px; }
.board-deleted button { border: 1px solid var(--panel-border); border-radius: 6px; padding: 6px 12px; }
.board-deleted[hidden] { display: none; }
.status[data-status="server-unreachable"] .status-dot { background: #f08c00; }
@keyframes pulse { 50% { opacity: 0.3; } }
.readonly-badge {
  display: none;
  padding: 6px 12px;
  border-radius: 999px;
  background: #fff3bf;
  color: #5c3c00;
  font-size: 12px;
  font-weight: 600;
  white-space: nowrap;
}
.board[data-readonly="true"] .readonly-badge { display: inline-block; }
.board[data-readonly="true"] .edit-only { display: none; }
.text-editor {
  position: absolute;
  z-index: 1;
  margin: 0;
  border: 0;
  outline: none;
  resize: none;
  overflow: hidden;
  white-space: pre;
  box-sizing: border-box;
  user-select: text;
  -webkit-user-select: text;
  transform-origin: 0 0;
}
.text-editor[data-wrap] { white-space: pre-wrap; overflow-wrap: anywhere; }
.text-editor[data-kind="sticky"] { white-space: pre-wrap; overflow-wrap: anywhere; border-radius: 2px; }
/* Too narrow beside the centred tool bar for a name chip (under about 160 px
   there): the people and their controls go below it, right of the style panel. */
@media (max-width: 840px) {
  .top-right { top: 64px; max-width: calc(100% - 246px); }
}
@media (max-width: 640px) {
  .style-panel { top: auto; bottom: 64px; width: auto; flex-direction: row; flex-wrap: wrap; right: 12px; }
  .dock { left: auto; right: 12px; bottom: 64px; max-width: none; flex-direction: column-reverse; align-items: flex-end; }
  /* Above the dock's column, like the history panel. */
  .share-dialog { top: 112px; bottom: auto; left: 12px; right: 12px; width: auto; }
  .history-panel { top: 112px; left: 12px; right: 12px; width: auto; }
  .preview-bar { top: auto; bottom: 12px; white-space: normal; max-width: calc(100% - 24px); }
  .board:has(> .preview-bar:not([hidden])) > .follow-bar { top: 64px; }
  .top-right { max-width: none; top: 64px; }
  .toolbar .key { display: none; }
  .toolbar { max-width: calc(100% - 24px); overflow-x: auto; }
  .toolbar button { min-width: 32px; height: 32px; padding: 0 4px; }
}
@media (prefers-reduced-motion: reduce) {
  .status-dot { animation: none !important; }
}
`
