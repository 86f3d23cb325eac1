// Toolbar icons: static inline SVG (24×24, stroked with currentColor), so
// they follow the theme. Constants only: never built from user data.

import type { ToolId } from '../editor/types'

const svg = (body: string): string =>
  `<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`

export const TOOL_ICONS: Record<ToolId, string> = {
  select: svg('<path d="M6 3l12 9-5.5 1.2L15 20l-2.6 1.1-2.6-6.6L6 18z"/>'),
  pen: svg('<path d="M4 20c3-1 4.5-2.5 6-5l8.5-8.5a2.1 2.1 0 0 0-3-3L7 12c-2.5 1.5-4 3-5 6z"/><path d="M14 5l5 5"/>'),
  rect: svg('<rect x="4" y="5" width="16" height="14" rx="2"/>'),
  ellipse: svg('<ellipse cx="12" cy="12" rx="8.5" ry="7"/>'),
  line: svg('<path d="M5 19L19 5"/>'),
  arrow: svg('<path d="M5 19L19 5"/><path d="M10 5h9v9"/>'),
  text: svg('<path d="M5 6V4h14v2"/><path d="M12 4v16"/><path d="M9 20h6"/>'),
  sticky: svg('<path d="M5 4h14v10l-5 6H5z"/><path d="M14 20v-6h5"/>'),
  eraser: svg('<path d="M8 20l-4-4a2 2 0 0 1 0-2.8L13.2 4a2 2 0 0 1 2.8 0L20 8a2 2 0 0 1 0 2.8L11 20z"/><path d="M8 20h12"/><path d="M9 9l6 6"/>'),
  laser: svg('<circle cx="17" cy="7" r="2.5"/><path d="M15 9l-11 11"/><path d="M17 2v1.5M22 7h-1.5M20.5 3.5l-1 1"/>'),
  pan: svg('<path d="M8 11V5.5a1.5 1.5 0 0 1 3 0V11"/><path d="M11 10V4.5a1.5 1.5 0 0 1 3 0V10"/><path d="M14 10.5V6a1.5 1.5 0 0 1 3 0v7c0 4-2.5 7-6.5 7-2.5 0-4-1-5.5-3l-2.3-3.6a1.5 1.5 0 0 1 2.5-1.7L8 13.5V8a1.5 1.5 0 0 1 3 0"/>'),
}

export const ACTION_ICONS = {
  undo: svg('<path d="M9 14L4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>'),
  redo: svg('<path d="M15 14l5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>'),
  zoomIn: svg('<path d="M12 5v14M5 12h14"/>'),
  zoomOut: svg('<path d="M5 12h14"/>'),
  fit: svg('<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>'),
  noFill: svg('<path d="M5 19L19 5"/>'),
  image: svg('<path d="M8 4h8l4 4v12H4V4z"/><path d="M8 14l2.5-3 2 2.5L15 10l3 4"/>'),
  picture: svg('<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="10" r="1.5"/><path d="M21 16l-5-5-9 8"/>'),
  /** A picture with a plus: adding one, told apart from the PNG export's picture. */
  insertPicture: svg('<path d="M14 5H5a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-5"/><circle cx="8.5" cy="10" r="1.5"/><path d="M19 16l-4-4-9 7"/><path d="M19 2v6M16 5h6"/>'),
  download: svg('<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>'),
  upload: svg('<path d="M12 20V9M7 14l5-5 5 5M5 4h14"/>'),
  share: svg('<circle cx="6" cy="12" r="2.5"/><circle cx="18" cy="6" r="2.5"/><circle cx="18" cy="18" r="2.5"/><path d="M8.2 10.9l7.6-3.8M8.2 13.1l7.6 3.8"/>'),
  link: svg('<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1"/><path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>'),
  /** An easel: presenting, everyone follows our view. */
  present: svg('<rect x="3" y="4" width="18" height="12" rx="1.5"/><path d="M12 16v4M8 20h8"/><path d="M8 12l3-3 2 2 3-3"/>'),
  history: svg('<path d="M4 12a8 8 0 1 0 2.4-5.7"/><path d="M4 4v4h4"/><path d="M12 8v4l3 2"/>'),
}
