// Keyboard shortcut mapping: a pure function from a key event to a command, so
// the table is tested without a DOM and read-only mode filters it in one place.

import { READ_ONLY_TOOLS, type ToolId } from './types'

export type Command =
  | { kind: 'tool'; tool: ToolId }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'delete' }
  | { kind: 'duplicate' }
  | { kind: 'bringToFront' }
  | { kind: 'sendToBack' }
  | { kind: 'selectAll' }
  | { kind: 'escape' }
  | { kind: 'nudge'; dx: number; dy: number }
  | { kind: 'zoomIn' }
  | { kind: 'zoomOut' }
  | { kind: 'zoomReset' }
  | { kind: 'zoomFit' }

/** The fields of a KeyboardEvent the mapping looks at. */
export interface KeyLike {
  key: string
  code: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

const TOOL_KEYS: Record<string, ToolId> = {
  v: 'select',
  '1': 'select',
  p: 'pen',
  '2': 'pen',
  r: 'rect',
  o: 'ellipse',
  l: 'line',
  a: 'arrow',
  t: 'text',
  s: 'sticky',
  e: 'eraser',
  h: 'pan',
  k: 'laser',
}

/** Commands that never change the board; the only ones a viewer gets. */
const VIEW_COMMANDS = new Set<Command['kind']>(['escape', 'zoomIn', 'zoomOut', 'zoomReset', 'zoomFit'])

/**
 * Maps a key press to a command, or undefined when the board should let the
 * key through. Tool letters only fire without modifiers (Ctrl+R reloads, Cmd+A
 * selects all). `[`/`]` are matched by key (layout-aware) alone, and by code
 * with Ctrl/Cmd+Shift, where the key would read `{`/`}` on US layouts.
 */
export function commandFor(e: KeyLike, readOnly: boolean): Command | undefined {
  const cmd = map(e)
  if (!cmd || !readOnly) return cmd
  if (cmd.kind === 'tool') return READ_ONLY_TOOLS.includes(cmd.tool) ? cmd : undefined
  return VIEW_COMMANDS.has(cmd.kind) ? cmd : undefined
}

function map(e: KeyLike): Command | undefined {
  const mod = e.ctrlKey || e.metaKey
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
  if (mod && !e.altKey) {
    if (key === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' }
    if (key === 'y' && !e.shiftKey) return { kind: 'redo' }
    if (key === 'd' && !e.shiftKey) return { kind: 'duplicate' }
    if (key === 'a' && !e.shiftKey) return { kind: 'selectAll' }
    if (e.shiftKey && e.code === 'BracketRight') return { kind: 'bringToFront' }
    if (e.shiftKey && e.code === 'BracketLeft') return { kind: 'sendToBack' }
    if (key === '=' || key === '+') return { kind: 'zoomIn' }
    if (key === '-') return { kind: 'zoomOut' }
    if (key === '0') return { kind: 'zoomReset' }
    return undefined
  }
  if (mod || e.altKey) return undefined
  switch (key) {
    case 'Delete':
    case 'Backspace':
      return { kind: 'delete' }
    case 'Escape':
      return { kind: 'escape' }
    case ']':
      return { kind: 'bringToFront' }
    case '[':
      return { kind: 'sendToBack' }
    case 'ArrowLeft':
      return { kind: 'nudge', dx: e.shiftKey ? -10 : -1, dy: 0 }
    case 'ArrowRight':
      return { kind: 'nudge', dx: e.shiftKey ? 10 : 1, dy: 0 }
    case 'ArrowUp':
      return { kind: 'nudge', dx: 0, dy: e.shiftKey ? -10 : -1 }
    case 'ArrowDown':
      return { kind: 'nudge', dx: 0, dy: e.shiftKey ? 10 : 1 }
  }
  // Shift+1 fits the content (Excalidraw's binding); match the code since the key is "!".
  if (e.shiftKey && e.code === 'Digit1') return { kind: 'zoomFit' }
  if (e.shiftKey) return undefined
  const tool = TOOL_KEYS[key]
  return tool ? { kind: 'tool', tool } : undefined
}

/** Shown in toolbar titles and aria-labels: "Rectangle (R)". */
export const TOOL_SHORTCUT_LABEL: Record<ToolId, string> = {
  select: 'V',
  pen: 'P',
  rect: 'R',
  ellipse: 'O',
  line: 'L',
  arrow: 'A',
  text: 'T',
  sticky: 'S',
  eraser: 'E',
  pan: 'H',
  laser: 'K',
}
