// The board surface for keyboard and screen-reader users: its role, the
// description of its keys that a screen reader reads on focus, the keys of
// the keyboard drawing path (editor/keyboard-path.ts) with a spoken result,
// and where focus goes when a key leaves something (Escape from a control,
// the end of a text edit), so the keyboard is never left nowhere.

import type { ElementView } from '../doc/types'
import type { Editor } from '../editor/editor'
import { keyboardPathCommand, runKeyboardPath, type KeyboardPathOutcome } from '../editor/keyboard-path'
import { Announcer } from './announcer'

export interface KeyboardDrawHost {
  editor: Editor
  /** The board's focusable surface: its container, which holds the canvas. */
  surface: HTMLElement
  /** The element focused inside the board, or null (focus is on the host page, or nowhere). */
  focused(): Element | null
  /** The view's size, CSS px. */
  viewSize(): { width: number; height: number }
}

/** What a screen reader says on reaching the board: its keys, briefly (the README has the table). */
export const SURFACE_DESCRIPTION =
  'Tab reaches the tools; pick one with Enter. On the board, Enter adds the chosen shape, text or note in the middle ' +
  'of the view. N and Shift+N select the next and previous element. Arrow keys move the selection, Shift for larger ' +
  'steps, or pan the view when nothing is selected. Delete removes the selection, Escape lets go of it, ' +
  'Control+Z undoes. Escape from any control comes back to the board.'

const KIND_NAMES: Record<string, string> = {
  stroke: 'pen stroke',
  rect: 'rectangle',
  ellipse: 'ellipse',
  line: 'line',
  arrow: 'arrow',
  text: 'text',
  sticky: 'sticky note',
  image: 'image',
}

/** Characters of an element's text read out when it is selected. */
const MAX_TEXT_SPOKEN = 40

let surfaceCount = 0

/** How a screen reader names an element: its kind, and the start of its text. */
export function describeElement(el: ElementView): string {
  const kind = KIND_NAMES[el.t] ?? 'element'
  const text = el.text.trim().replace(/\s+/g, ' ')
  if (text === '') return kind
  const chars = Array.from(text)
  const shown = chars.length > MAX_TEXT_SPOKEN ? `${chars.slice(0, MAX_TEXT_SPOKEN).join('')}…` : text
  return `${kind} “${shown}”`
}

/** The sentence for what a keyboard-path key did, or undefined when the change speaks for itself (a pan). */
export function outcomeSentence(outcome: KeyboardPathOutcome): string | undefined {
  switch (outcome.kind) {
    case 'placed':
      return `${capitalise(describeElement(outcome.element))} added in the middle of the view and selected. Arrow keys move it, Delete removes it.`
    case 'editing':
      return 'Editing text. Escape finishes.'
    case 'selected':
      return `${capitalise(describeElement(outcome.element))} selected, ${outcome.index + 1} of ${outcome.count}.`
    case 'panned':
      return undefined
    case 'refused':
      switch (outcome.reason) {
        case 'read-only':
          return 'This board is view-only.'
        case 'empty':
          return 'The board is empty.'
        case 'tool':
          return 'Enter adds a rectangle, ellipse, line, arrow, text or sticky note: pick one of those tools first.'
      }
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function isDelete(e: KeyboardEvent): boolean {
  return (e.key === 'Delete' || e.key === 'Backspace') && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey
}

/** What Delete is about to remove, said before the shortcut table removes it (afterwards there is nothing to name). */
function deletedSentence(editor: Editor): string {
  const [first, ...rest] = editor.selection
  const only = first === undefined || rest.length > 0 ? undefined : editor.board.get(first)
  return only === undefined ? `${editor.selection.length} elements deleted.` : `${capitalise(describeElement(only))} deleted.`
}

/** Focusable controls that act on Enter and Space themselves. */
const CONTROL = 'button, [role="button"], a[href], input, select, textarea'

export class KeyboardDraw {
  readonly announcer: Announcer
  private readonly description: HTMLElement
  private readonly cleanups: Array<() => void> = []
  /** Set while Escape or Ctrl+Enter ends a text edit from its textarea: focus then comes back to the surface. */
  private endingTextByKey = false

  constructor(
    doc: Document,
    private readonly host: KeyboardDrawHost,
  ) {
    const { surface, editor } = host
    const descriptionId = `inkmesh-board-keys-${++surfaceCount}`
    this.description = doc.createElement('p')
    this.description.id = descriptionId
    this.description.className = 'sr-only'
    this.description.textContent = SURFACE_DESCRIPTION
    this.announcer = new Announcer(doc, 'board-announcer')
    surface.append(this.description, this.announcer.el)
    // An application: its single-letter shortcuts must reach the page, not a screen reader's browse mode.
    surface.setAttribute('role', 'application')
    surface.setAttribute('aria-describedby', descriptionId)

    const onTextKey = (e: KeyboardEvent): void => {
      if (!editor.textEditing) return
      if (e.key === 'Escape' || (e.key === 'Enter' && (e.ctrlKey || e.metaKey))) this.endingTextByKey = true
    }
    // Capture: the textarea ends the edit in its own keydown, before the key bubbles.
    surface.addEventListener('keydown', onTextKey, true)
    this.cleanups.push(
      () => surface.removeEventListener('keydown', onTextKey, true),
      editor.events.on('textEditing', (session) => {
        if (session !== undefined || !this.endingTextByKey) return
        this.endingTextByKey = false
        // The textarea had focus and is gone: the board takes it back.
        surface.focus({ preventScroll: true })
      }),
    )
  }

  /**
   * A key the board owns (the view has ruled out text inputs and dialogs'
   * own keys); true when it was dealt with here, or is the focused control's
   * own (Enter and Space press a button), so the shortcut table must not
   * see it.
   */
  onKey(e: KeyboardEvent): boolean {
    const { editor, surface } = this.host
    const focused = this.host.focused()
    if (focused !== null && focused !== surface) {
      if (e.key === 'Enter' || e.key === ' ') return focused.closest(CONTROL) !== null
      if (e.key === 'Escape' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey && focused.closest('[role="dialog"]') === null) {
        // Back to the board, selection and tool kept: Escape on the board itself lets go of them.
        surface.focus({ preventScroll: true })
        e.preventDefault()
        return true
      }
      return false
    }
    const cmd = keyboardPathCommand(e, editor.selection.length > 0)
    if (cmd === undefined) {
      if (isDelete(e) && !editor.readOnly && editor.selection.length > 0) this.announcer.say(deletedSentence(editor))
      // The shortcut table does the deleting.
      return false
    }
    e.preventDefault()
    const { width, height } = this.host.viewSize()
    const sentence = outcomeSentence(runKeyboardPath(editor, cmd, { width, height, now: performance.now() }))
    if (sentence !== undefined) this.announcer.say(sentence)
    return true
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
    this.description.remove()
    this.announcer.el.remove()
  }
}
