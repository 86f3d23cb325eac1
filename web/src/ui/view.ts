// The board view: builds the DOM inside `root`, wires DOM input to the editor
// and the camera, and shows what the Collab interface reports (status,
// presence, remote cursors and selections). It never touches the network
// beyond that interface.

import type { Board } from '../doc/board'
import { elementBounds, unionAll } from '../doc/geometry'
import type { ElementView } from '../doc/types'
import { Editor } from '../editor/editor'
import { commandFor, type Command } from '../editor/shortcuts'
import { TextEditorOverlay } from '../editor/text-editor'
import type { PointerInput, PointerSample, Style } from '../editor/types'
import { applyWheel, ViewportInput } from '../editor/viewport-input'
import { TOOL_CODES, type Collab, type ConnectionStatus, type PresenceState } from '../net/collab'
import { Camera } from '../render/camera'
import { safeColor } from '../render/color'
import { Renderer } from '../render/renderer'
import { StandInBoard } from '../render/stand-in'
import { VersionPreview } from '../render/version-preview'
import { RemoteCursors } from './cursors'
import { PresenceList, presenceEntries } from './presence-list'
import { MediaBar } from './media-bar'
import type { RoomMedia } from '../net/media-port'
import { StatusPill } from './status'
import { FileMenu, type FileActions } from './file-menu'
import { HistoryPanel, type HistoryActions } from './history-panel'
import { ImageInput, type ImageActions } from './image-input'
import { ShareDialog, type ShareActions } from './share-dialog'
import { StylePanel } from './style-panel'
import { VIEW_CSS } from './styles'
import { HistoryControls, Toolbar, ZoomControls } from './toolbar'

export interface BoardViewOptions {
  readOnly: boolean
  theme: 'light' | 'dark'
  /** Export and import actions; without them the file menu is not shown. */
  files?: FileActions
  /** Adding pictures (paste, drop, the Insert image button); without them none can be added. */
  images?: ImageActions
  /** The room's kept versions; without them the History button is not shown. */
  history?: HistoryActions
  /** Links to this board for others; without them the Share button is not shown (embeds: the host page shares). */
  share?: ShareActions
  /** Lets the user change their display name from their presence chip (the app page; embeds take names from tokens). */
  rename?: () => void
  /** Voice, camera and screen share; without it no media controls are shown (`mount(..., { media: false })`). */
  media?: RoomMedia
}

export interface BoardView {
  readonly editor: Editor
  readonly renderer: Renderer
  readonly camera: Camera
  /** The role may only be known after the server's welcome. */
  setReadOnly(readOnly: boolean): void
  /**
   * Draws a render stream's views until the board holds anything (or
   * dropStandIn); editing waits for the board, since the views are a picture.
   */
  showStandIn(views: ElementView[]): void
  /** Draws the board again: it is loaded, or turned out empty. */
  dropStandIn(): void
  /** Whether a stand-in is what is drawn now. */
  standInShowing(): boolean
  /** Ids of the elements drawn now: the board's, a stand-in's, or a previewed version's. */
  drawnIds(): string[]
  /** Focuses the board so it gets the keyboard without a click first (the full-page app does this on load). */
  focus(): void
  destroy(): void
}

/** Selection box and handle colour. */
const ACCENT = '#6965db'
const CURSOR_LABEL_FONT = '600 12px system-ui, -apple-system, "Segoe UI", sans-serif'
/** Presence viewport updates are throttled to this interval, ms. */
const VIEWPORT_THROTTLE_MS = 200
/** Remote selections drawn per peer at most: a select-all on a huge board must not stall our frames. */
const MAX_REMOTE_SELECTION = 500
/** Zoom buttons and Ctrl+=/- step by this factor. */
const ZOOM_STEP = 1.25

function isTextInput(el: unknown): boolean {
  if (!el || typeof el !== 'object' || !('tagName' in el)) return false
  const node = el as HTMLElement
  return node.tagName === 'TEXTAREA' || node.tagName === 'INPUT' || node.tagName === 'SELECT' || node.isContentEditable
}

export function createBoardView(root: ShadowRoot | HTMLElement, board: Board, collab: Collab, options: BoardViewOptions): BoardView {
  const doc = root.ownerDocument
  const win = doc.defaultView ?? window
  const cleanups: Array<() => void> = []
  const listen = <K extends keyof HTMLElementEventMap>(
    target: HTMLElement,
    type: K,
    fn: (e: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void => {
    target.addEventListener(type, fn, opts)
    cleanups.push(() => target.removeEventListener(type, fn, opts))
  }

  // ---- DOM ----
  const style = doc.createElement('style')
  style.textContent = VIEW_CSS
  const container = doc.createElement('div')
  container.className = 'board'
  container.tabIndex = 0
  container.dataset.theme = options.theme
  container.setAttribute('aria-label', 'Whiteboard')
  const canvas = doc.createElement('canvas')
  canvas.dataset.testid = 'board-canvas'
  container.append(canvas)
  root.append(style, container)

  const camera = new Camera()
  const drawn = new StandInBoard(board)
  const preview = new VersionPreview(drawn)
  const renderer = new Renderer(canvas, preview, camera)
  const editor = new Editor(
    board,
    camera,
    renderer,
    { request: (cb) => win.requestAnimationFrame(cb), cancel: (h) => win.cancelAnimationFrame(h) },
    { readOnly: options.readOnly },
  )
  const viewport = new ViewportInput(camera)
  const textEditor = new TextEditorOverlay(container, editor, board, camera)
  const cursors = new RemoteCursors()

  const toolbar = new Toolbar(doc, editor)
  const stylePanel = new StylePanel(doc, editor)
  const history = new HistoryControls(doc, editor)
  const size = (): { width: number; height: number } => renderer.viewportSize()
  const centre = (): { x: number; y: number } => ({ x: size().width / 2, y: size().height / 2 })
  const zoom = new ZoomControls(doc, {
    zoomIn: () => camera.zoomAt(centre(), ZOOM_STEP),
    zoomOut: () => camera.zoomAt(centre(), 1 / ZOOM_STEP),
    reset: () => camera.zoomAt(centre(), 1 / camera.zoom),
    fit: () => zoomToFit(),
  })
  const topRight = doc.createElement('div')
  topRight.className = 'top-right'
  const badge = doc.createElement('div')
  badge.className = 'readonly-badge'
  badge.dataset.testid = 'readonly-badge'
  badge.textContent = 'View only'
  const presenceList = new PresenceList(doc, options.rename)
  const status = new StatusPill(doc)
  topRight.append(badge, presenceList.el)
  if (options.media !== undefined) {
    const mediaBar = new MediaBar(doc, options.media, presenceList.el)
    topRight.append(mediaBar.el)
    cleanups.push(() => mediaBar.destroy())
  }
  status.el.classList.add('bottom-right')
  const dock = doc.createElement('div')
  dock.className = 'dock'
  dock.append(history.el)
  container.append(toolbar.el, stylePanel.el, zoom.el, dock, topRight, status.el)
  if (options.files !== undefined) {
    const files = new FileMenu(doc, options.files)
    dock.append(files.el)
    cleanups.push(() => files.destroy())
  }
  if (options.images !== undefined) {
    const images = new ImageInput(doc, container, options.images, {
      canEdit: () => !editor.readOnly,
      whyNot: () =>
        readOnlyRole ? 'This board is view-only: images cannot be added.' : 'Images can be added once the board shows its current content.',
      boardAt: (clientX, clientY) => {
        const rect = canvas.getBoundingClientRect()
        return camera.toBoard({ x: clientX - rect.left, y: clientY - rect.top })
      },
      viewCentre: () => camera.toBoard(centre()),
      viewSize: () => ({ width: size().width / camera.zoom, height: size().height / camera.zoom }),
      ownsPaste: (e) => ownsKeys() && !editor.textEditing && !isTextInput(e.composedPath()[0]) && !isTextInput(focusedInside()),
    })
    toolbar.el.append(images.button)
    container.append(images.message)
    cleanups.push(() => images.destroy())
  }
  let versions: HistoryPanel | undefined
  if (options.history !== undefined) {
    const panel = new HistoryPanel(doc, options.history, {
      show(version) {
        preview.show(version)
        setReadOnly(readOnlyRole)
        renderer.requestOverlay()
      },
      back() {
        preview.back()
        setReadOnly(readOnlyRole)
        renderer.requestOverlay()
      },
      restore(version) {
        if (readOnlyRole) return false
        preview.back()
        setReadOnly(readOnlyRole)
        board.restore(version)
        return true
      },
    })
    dock.append(panel.button)
    container.append(panel.panel, panel.bar, panel.message)
    cleanups.push(() => panel.destroy())
    versions = panel
  }
  if (options.share !== undefined) {
    const share = new ShareDialog(doc, options.share, () => !readOnlyRole)
    dock.append(share.el)
    container.append(share.dialog)
    cleanups.push(() => share.destroy())
  }

  function zoomToFit(): void {
    const box = unionAll(board.ordered().map(elementBounds))
    const { width, height } = size()
    if (box) camera.fit(box, width, height)
    else camera.set(-width / 2, -height / 2, 1)
  }

  let readOnlyRole = options.readOnly
  function setReadOnly(readOnly: boolean): void {
    readOnlyRole = readOnly
    container.dataset.readonly = String(readOnly)
    // A stand-in or a previewed version is a picture: nothing on it can be edited.
    editor.setReadOnly(readOnly || drawn.showing || preview.showing)
    updateCursor(undefined)
  }
  cleanups.push(drawn.onDrop(() => setReadOnly(readOnlyRole)))

  // ---- size ----
  const resize = (): void => {
    const rect = container.getBoundingClientRect()
    renderer.resize(rect.width, rect.height, win.devicePixelRatio || 1)
    sendViewport()
  }
  const observer = new ResizeObserver(resize)
  observer.observe(container)
  cleanups.push(() => observer.disconnect())

  // ---- pointer input ----
  let hovered = false
  let lastHover: PointerInput | undefined

  const sample = (e: PointerEvent, rect: DOMRect): PointerSample => {
    const screen = { x: e.clientX - rect.left, y: e.clientY - rect.top }
    return { screen, board: camera.toBoard(screen), pressure: e.pointerType === 'pen' ? e.pressure : undefined }
  }
  const toInput = (e: PointerEvent): PointerInput => {
    const rect = canvas.getBoundingClientRect()
    const coalesced = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : []
    const own = sample(e, rect)
    return {
      ...own,
      pointerId: e.pointerId,
      pointerType: e.pointerType,
      buttons: e.buttons,
      shift: e.shiftKey,
      time: e.timeStamp,
      samples: coalesced.length > 0 ? coalesced.map((c) => sample(c, rect)) : [own],
    }
  }
  const updateCursor = (e: PointerInput | undefined): void => {
    canvas.style.cursor = viewport.panning ? 'grabbing' : viewport.spaceHeld ? 'grab' : editor.cursorAt(e)
  }

  listen(canvas, 'pointerdown', (e) => {
    if (editor.textEditing) {
      // The click that closes a text edit does nothing else (Excalidraw does the same).
      editor.endTextEditing()
      container.focus({ preventScroll: true })
      e.preventDefault()
      return
    }
    container.focus({ preventScroll: true })
    const input = toInput(e)
    const claimed = viewport.pointerDown(e.pointerId, e.pointerType, e.button, input.screen, editor.tool === 'pan')
    if (claimed) {
      // A second finger: whatever the first one started becomes a pinch instead.
      editor.cancelGesture()
      canvas.setPointerCapture(e.pointerId)
      updateCursor(input)
      e.preventDefault()
      return
    }
    if (e.button !== 0) return
    canvas.setPointerCapture(e.pointerId)
    editor.pointerDown(input)
    updateCursor(input)
    e.preventDefault()
  })
  const sendCursor = (e: PointerEvent): void => {
    const rect = canvas.getBoundingClientRect()
    const at = camera.toBoard({ x: e.clientX - rect.left, y: e.clientY - rect.top })
    collab.sendCursor(at.x, at.y, e.buttons, TOOL_CODES[editor.tool])
  }
  // Chromium dispatches pointermove (continuous input) at the start of the
  // next animation frame: measured, 12-15 ms after the event's timestamp at
  // 60 Hz, in any page. pointerrawupdate fires as the input arrives (~0.5 ms),
  // in secure contexts only (localhost counts); elsewhere cursors go from
  // pointermove. Drawing stays on pointermove: one batch of coalesced samples
  // per frame is all a frame can show.
  const rawUpdates = 'onpointerrawupdate' in canvas
  if (rawUpdates) listen(canvas, 'pointerrawupdate', (e) => sendCursor(e as PointerEvent))
  listen(canvas, 'pointermove', (e) => {
    const input = toInput(e)
    if (!rawUpdates) sendCursor(e)
    if (viewport.pointerMove(e.pointerId, input.screen)) return
    if (editor.gestureActive) editor.pointerMove(input)
    lastHover = input
    updateCursor(input)
  })
  const end = (e: PointerEvent, cancelled: boolean): void => {
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId)
    if (viewport.pointerUp(e.pointerId)) {
      updateCursor(undefined)
      return
    }
    if (cancelled) editor.cancelGesture()
    else editor.pointerUp(toInput(e))
    updateCursor(toInput(e))
  }
  listen(canvas, 'pointerup', (e) => end(e, false))
  listen(canvas, 'pointercancel', (e) => end(e, true))
  // On the container, so a pinch over a panel zooms the board, not the page.
  listen(container, 'wheel', (e) => {
    e.preventDefault()
    const rect = canvas.getBoundingClientRect()
    applyWheel(camera, e, { x: e.clientX - rect.left, y: e.clientY - rect.top })
  }, { passive: false })
  listen(container, 'pointerenter', () => (hovered = true))
  listen(container, 'pointerleave', () => (hovered = false))
  listen(container, 'click', (e) => {
    // A button clicked with a pointer hands focus back to the board, so space
    // (pan) does not press it again and shortcuts keep working; unless focus
    // is in a dialog (the button opened it, or is in it), which keeps focus
    // until it closes (Escape must reach it).
    const inDialog = focusedInside()?.closest('[role="dialog"]')
    if (e.detail > 0 && e.target instanceof Element && e.target.closest('button') && !inDialog) container.focus({ preventScroll: true })
  })
  listen(container, 'contextmenu', (e) => {
    if (e.target === canvas) e.preventDefault()
  })

  // ---- keyboard ----
  const focusedInside = (): Element | null => {
    // The root's own scope: the shadow root in production, so the focused element is not retargeted to the host.
    const active = (root.getRootNode() as Document | ShadowRoot).activeElement
    return active && container.contains(active) ? active : null
  }
  /**
   * Keys belong to the board when it has focus, or when the pointer is over it
   * and the host page has nothing focused: an embedded board never takes keys
   * meant for the page's own inputs.
   */
  const ownsKeys = (): boolean => {
    if (focusedInside()) return true
    const pageActive = doc.activeElement
    return hovered && (pageActive === null || pageActive === doc.body || pageActive === doc.documentElement)
  }
  const runViewCommand = (cmd: Command): boolean => {
    switch (cmd.kind) {
      case 'zoomIn':
        camera.zoomAt(centre(), ZOOM_STEP)
        return true
      case 'zoomOut':
        camera.zoomAt(centre(), 1 / ZOOM_STEP)
        return true
      case 'zoomReset':
        camera.zoomAt(centre(), 1 / camera.zoom)
        return true
      case 'zoomFit':
        zoomToFit()
        return true
      default:
        return editor.run(cmd)
    }
  }
  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || !ownsKeys()) return
    if (editor.textEditing || isTextInput(e.composedPath()[0]) || isTextInput(focusedInside())) return
    if (e.key === 'Escape' && versions?.escape()) {
      e.preventDefault()
      return
    }
    if (e.key === ' ') {
      // Space held turns drags into pans; focus so the keyup reaches us.
      if (!focusedInside()) container.focus({ preventScroll: true })
      viewport.spaceHeld = true
      updateCursor(lastHover)
      e.preventDefault()
      return
    }
    const cmd = commandFor(e, editor.readOnly)
    if (cmd && runViewCommand(cmd)) e.preventDefault()
  }
  doc.addEventListener('keydown', onKeyDown)
  cleanups.push(() => doc.removeEventListener('keydown', onKeyDown))
  listen(container, 'keyup', (e) => {
    if (e.key !== ' ') return
    viewport.spaceHeld = false
    updateCursor(lastHover)
  })
  listen(container, 'focusout', (e) => {
    if (e.relatedTarget instanceof Node && container.contains(e.relatedTarget)) return
    viewport.spaceHeld = false
    updateCursor(lastHover)
  })

  // ---- editor state → chrome ----
  const selectionStyle = (): Style => {
    const first = editor.selection[0]
    const el = first === undefined ? undefined : board.get(first)
    return el ? { stroke: el.sc, fill: el.fc ?? null, width: el.sw } : editor.style
  }
  const updateHistory = (): void => history.update(board.canUndo(), board.canRedo())
  cleanups.push(
    editor.events.on('tool', (tool) => {
      toolbar.setTool(tool)
      updateCursor(lastHover)
    }),
    editor.events.on('style', () => stylePanel.show(selectionStyle())),
    editor.events.on('selection', (ids) => {
      stylePanel.show(selectionStyle())
      collab.setPresence({ selection: [...ids] })
    }),
    board.onChange((change) => {
      updateHistory()
      if (remoteSelectionCount > 0 && (change.changed.length > 0 || change.removed.length > 0)) renderer.requestOverlay()
    }),
    camera.onChange(() => {
      zoom.setZoom(camera.zoom)
      sendViewport()
      if (lastHover) lastHover = { ...lastHover, board: camera.toBoard(lastHover.screen) }
    }),
  )
  updateHistory()
  zoom.setZoom(camera.zoom)

  // ---- presence: viewport, list, remote selections ----
  let viewportTimer: ReturnType<typeof setTimeout> | undefined
  let viewportSentAt = -Infinity
  function sendViewport(): void {
    if (viewportTimer !== undefined) return
    const send = (): void => {
      viewportTimer = undefined
      viewportSentAt = performance.now()
      const { width, height } = size()
      if (width <= 0 || height <= 0) return
      const b = camera.visibleBox(width, height)
      collab.setPresence({ viewport: { x: b.minX, y: b.minY, w: b.maxX - b.minX, h: b.maxY - b.minY } })
    }
    // Leading and trailing: the first change goes at once, a burst ends with the final view.
    const wait = viewportSentAt + VIEWPORT_THROTTLE_MS - performance.now()
    viewportTimer = setTimeout(send, Math.max(0, wait))
  }
  cleanups.push(() => clearTimeout(viewportTimer))

  let others: Array<[number, PresenceState]> = []
  let remoteSelectionCount = 0
  const renderPresenceList = (states: Map<number, PresenceState>): void => {
    presenceList.render(presenceEntries(states, board.doc.clientID, { ownRole: collab.role, members: collab.members() }))
  }
  const onPresence = (states: Map<number, PresenceState>): void => {
    renderPresenceList(states)
    others = [...states].filter(([id]) => id !== board.doc.clientID)
    remoteSelectionCount = others.reduce((n, [, s]) => n + (Array.isArray(s.selection) ? s.selection.length : 0), 0)
    renderer.requestOverlay()
  }
  const drawRemoteSelections = (ctx: CanvasRenderingContext2D, cam: Camera): void => {
    // Selections are of the live board's elements, not of a previewed version's.
    if (remoteSelectionCount === 0 || preview.showing) return
    ctx.save()
    ctx.lineWidth = 1.5
    ctx.setLineDash([5, 3])
    for (const [, s] of others) {
      if (!Array.isArray(s.selection) || s.selection.length === 0) continue
      ctx.strokeStyle = safeColor(s.colour, '#868e96')
      for (const id of s.selection.slice(0, MAX_REMOTE_SELECTION)) {
        const el = typeof id === 'string' ? board.get(id) : undefined
        const b = el ? elementBounds(el) : undefined
        if (!el || !b) continue
        // Outside the ink: bounds exclude the stroke width.
        const pad = 4 + (el.sw / 2) * cam.zoom
        const a = cam.toScreen({ x: b.minX, y: b.minY })
        const c = cam.toScreen({ x: b.maxX, y: b.maxY })
        ctx.strokeRect(a.x - pad, a.y - pad, c.x - a.x + 2 * pad, c.y - a.y + 2 * pad)
      }
    }
    ctx.restore()
  }

  // ---- remote cursors ----
  let cursorFrame = 0
  let expiryTimer: ReturnType<typeof setTimeout> | undefined
  const animateCursors = (): void => {
    if (cursorFrame !== 0) return
    cursorFrame = win.requestAnimationFrame((now) => {
      cursorFrame = 0
      const moving = cursors.tick(now)
      renderer.requestOverlay()
      if (moving) animateCursors()
      scheduleExpiry()
    })
  }
  /** Idle cursors vanish without any new frame arriving, so a timer wakes us up for them. */
  const scheduleExpiry = (): void => {
    clearTimeout(expiryTimer)
    const next = cursors.nextExpiry()
    if (next !== undefined) expiryTimer = setTimeout(animateCursors, Math.max(0, next - performance.now()) + 50)
  }
  cleanups.push(() => {
    if (cursorFrame !== 0) win.cancelAnimationFrame(cursorFrame)
    clearTimeout(expiryTimer)
  })

  renderer.setOverlay((ctx, cam) => {
    drawRemoteSelections(ctx, cam)
    editor.drawOverlay(ctx, cam, ACCENT)
    cursors.draw(ctx, cam, CURSOR_LABEL_FONT)
  })

  // ---- collab ----
  const showStatus = (s: ConnectionStatus) => status.set(s, collab.directPeers().map((m) => m.name))
  showStatus(collab.status())
  onPresence(collab.presence())
  cleanups.push(
    collab.on('status', showStatus),
    collab.on('presence', onPresence),
    // Roles come with the members list, which may change after a state arrives.
    collab.on('members', () => renderPresenceList(collab.presence())),
    collab.on('cursor', (c) => {
      cursors.update(c, performance.now(), camera.zoom)
      animateCursors()
    }),
    collab.on('cursorGone', (peerId) => {
      cursors.remove(peerId)
      renderer.requestOverlay()
    }),
  )
  if (options.media !== undefined) {
    // The speaking ring on cursors' name tags follows the media bar's dots.
    cleanups.push(
      options.media.onChange((state) => {
        if (cursors.setSpeaking(new Set(state.peers.filter((p) => p.speaking).map((p) => p.id)))) renderer.requestOverlay()
      }),
    )
  }

  resize()
  setReadOnly(options.readOnly)

  let destroyed = false
  return {
    editor,
    renderer,
    camera,
    setReadOnly,
    showStandIn(views: ElementView[]): void {
      drawn.show(views)
      if (drawn.showing) setReadOnly(readOnlyRole)
    },
    dropStandIn: () => drawn.drop(),
    standInShowing: () => drawn.showing,
    drawnIds: () => preview.ordered().map((v) => v.id),
    focus(): void {
      container.focus({ preventScroll: true })
    },
    destroy(): void {
      if (destroyed) return
      destroyed = true
      for (const off of cleanups.splice(0)) off()
      textEditor.destroy()
      editor.destroy()
      renderer.destroy()
      preview.destroy()
      drawn.destroy()
      cursors.clear()
      container.remove()
      style.remove()
    },
  }
}
