// The board view: builds the DOM inside `root` and wires the parts of the view
// together; each part is its own file beside this one (pointer-input.ts,
// keyboard.ts, board-focus.ts, viewport-sync.ts, remote-selections.ts,
// remote-cursor-layer.ts, room-status.ts, editor-panels.ts, follow.ts,
// laser.ts, ...). It never touches the network beyond the Collab port
// (collab/port.ts).

import type { RoomMedia } from '../collab/media-port'
import type { Collab, ConnectionStatus } from '../collab/port'
import type { Board } from '../doc/board'
import type { ElementView } from '../doc/types'
import { Editor } from '../editor/editor'
import { TextEditorOverlay } from '../editor/text-editor'
import { ViewportInput } from '../editor/viewport-input'
import { Camera } from '../render/camera'
import { OffThreadStandIn } from '../render/off-thread-stand-in'
import { Renderer } from '../render/renderer'
import { StandInBoard } from '../render/stand-in'
import { VersionPreview } from '../render/version-preview'
import { BoardDeletedNotice } from './board-deleted'
import { BoardFocus } from './board-focus'
import { CanvasCursor } from './canvas-cursor'
import { CursorBroadcast } from './cursor-broadcast'
import { EditAccess } from './edit-access'
import { EditorPanels } from './editor-panels'
import { FileMenu, type FileActions } from './file-menu'
import { Gestures } from './gestures'
import { Follow } from './follow'
import { FollowBar } from './follow-bar'
import { FollowMeButton } from './follow-me'
import { HistoryPanel, type HistoryActions } from './history-panel'
import { ImageInput, type ImageActions } from './image-input'
import { Keyboard } from './keyboard'
import { KeyboardDraw } from './keyboard-draw'
import { RemoteLasers } from './laser'
import { MediaBar } from './media-bar'
import { PointerRouter } from './pointer-input'
import { screenPoint } from './pointer-samples'
import { RemoteCursorLayer } from './remote-cursor-layer'
import { RemoteSelections } from './remote-selections'
import { RoomStatus } from './room-status'
import { ShareDialog, type ShareActions } from './share-dialog'
import { VIEW_CSS } from './styles'
import { ViewportSync } from './viewport-sync'
import { ZoomCommands } from './zoom-commands'
import { markJoin } from '../util/join-marks'

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
  /**
   * Has a worker paint the server's render stream of the first view over
   * the board, off the main thread, until the renderer draws the board's
   * own content (render/off-thread-stand-in.ts); false where no worker can
   * start, and then showStandIn is the way. A worker that fails later hands
   * the stream to `fallback`.
   */
  paintStandInOffThread(stream: Promise<Uint8Array | undefined>, fallback: (stream: Uint8Array) => void): boolean
  /** Ids of the elements drawn now: the board's, a stand-in's, or a previewed version's. */
  drawnIds(): string[]
  /** Focuses the board so it gets the keyboard without a click first (the full-page app does this on load). */
  focus(): void
  destroy(): void
}

/** Selection box and handle colour. */
const ACCENT = '#6965db'

export function createBoardView(root: ShadowRoot | HTMLElement, board: Board, collab: Collab, options: BoardViewOptions): BoardView {
  const doc = root.ownerDocument
  const win = doc.defaultView ?? window
  const cleanups: Array<() => void> = []

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
  const focus = new BoardFocus(root, container)
  cleanups.push(() => focus.destroy())

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
  const canvasCursor = new CanvasCursor(canvas, editor, viewport)
  /** The server's picture of the first view, painted by a worker, while it lies over the board. */
  let picture: OffThreadStandIn | null = null
  /** The picture has been painted: a picture, where nothing can be edited. */
  let pictureShown = false
  const access = new EditAccess(container, editor, drawn, preview, canvasCursor, options.readOnly, () => picture !== null && pictureShown)
  cleanups.push(() => access.destroy())
  const dropPicture = (): void => {
    if (picture === null) return
    picture.drop()
    picture = null
    pictureShown = false
    access.refresh()
  }
  // The board's content is drawn, or the view moved off what the picture shows. The frame
  // watch ends at the first frame with content: pictures come before it, and while the
  // renderer has a frame listener, each paint of live ink costs the page a message.
  const offContentWatch = renderer.onFrame(() => {
    if (board.size() === 0) return
    dropPicture()
    offContentWatch()
  })
  cleanups.push(
    offContentWatch,
    camera.onChange(dropPicture),
    dropPicture,
  )
  const textEditor = new TextEditorOverlay(container, editor, board, camera)
  const cursors = new RemoteCursorLayer(win, collab, camera, renderer, container)
  cleanups.push(() => cursors.destroy())
  const remoteSelections = new RemoteSelections(board, preview, renderer)
  const lasers = new RemoteLasers(win, collab, renderer)
  cleanups.push(() => lasers.destroy())

  const size = (): { width: number; height: number } => renderer.viewportSize()
  const viewportSync = new ViewportSync(collab, camera, size)
  cleanups.push(() => viewportSync.destroy())
  const follow = new Follow(win, collab, camera, size, board.doc.clientID)
  cleanups.push(() => follow.destroy())
  const followBar = new FollowBar(doc, container, follow)
  cleanups.push(() => followBar.destroy())
  const followMe = new FollowMeButton(doc, collab)
  const zoomCommands = new ZoomCommands(camera, board, size)
  const panels = new EditorPanels(doc, editor, board, camera, zoomCommands)
  cleanups.push(() => panels.destroy())
  const topRight = doc.createElement('div')
  topRight.className = 'top-right'
  const badge = doc.createElement('div')
  badge.className = 'readonly-badge'
  badge.dataset.testid = 'readonly-badge'
  badge.textContent = 'View only'
  topRight.append(badge)
  const dock = doc.createElement('div')
  dock.className = 'dock'
  dock.append(panels.history.el)
  container.append(panels.toolbar.el, panels.style.el, panels.zoom.el, dock, topRight, followBar.el)
  let downloadBoard: (() => void) | undefined
  if (options.files !== undefined) {
    const files = new FileMenu(doc, options.files)
    dock.append(files.el)
    downloadBoard = files.downloadBoard
    cleanups.push(() => files.destroy())
  }
  const deletedNotice = new BoardDeletedNotice(doc, downloadBoard)
  container.append(deletedNotice.el)
  if (options.images !== undefined) {
    const images = new ImageInput(doc, container, options.images, {
      canEdit: () => !editor.readOnly,
      whyNot: () =>
        access.readOnlyRole ? 'This board is view-only: images cannot be added.' : 'Images can be added once the board shows its current content.',
      boardAt: (clientX, clientY) => camera.toBoard(screenPoint(canvas, clientX, clientY)),
      viewCentre: () => camera.toBoard(zoomCommands.centre()),
      viewSize: () => ({ width: size().width / camera.zoom, height: size().height / camera.zoom }),
      ownsPaste: (e) => focus.ownsKeys() && !editor.textEditing && !focus.typingInField(e),
    })
    panels.toolbar.el.append(images.button)
    container.append(images.message)
    cleanups.push(() => images.destroy())
  }
  let versions: HistoryPanel | undefined
  if (options.history !== undefined) {
    const panel = new HistoryPanel(doc, options.history, {
      show(version) {
        preview.show(version)
        access.refresh()
        renderer.requestOverlay()
      },
      back() {
        preview.back()
        access.refresh()
        renderer.requestOverlay()
      },
      restore(version) {
        if (access.readOnlyRole) return false
        preview.back()
        access.refresh()
        board.restore(version)
        return true
      },
    })
    dock.append(panel.button)
    container.append(panel.panel, panel.bar, panel.message)
    cleanups.push(() => panel.destroy())
    versions = panel
  }
  let share: ShareDialog | undefined
  if (options.share !== undefined) {
    const dialog = new ShareDialog(doc, options.share, () => !access.readOnlyRole)
    dock.append(dialog.el)
    container.append(dialog.dialog)
    cleanups.push(() => dialog.destroy())
    share = dialog
  }
  dock.append(followMe.el)

  // ---- size ----
  const resize = (): void => {
    const rect = container.getBoundingClientRect()
    renderer.resize(rect.width, rect.height, win.devicePixelRatio || 1)
    viewportSync.changed()
    follow.resized()
  }
  const observer = new ResizeObserver(resize)
  observer.observe(container)
  cleanups.push(() => observer.disconnect())

  // ---- pointer input ----
  const gestures = new Gestures()
  const cursorBroadcast = new CursorBroadcast(canvas, camera, editor, collab, gestures)
  const pointers = new PointerRouter(canvas, container, { editor, camera, viewport, focus, canvasCursor, cursorBroadcast, gestures })
  cleanups.push(() => cursorBroadcast.destroy(), () => pointers.destroy())

  // ---- keyboard ----
  const keyboardDraw = new KeyboardDraw(doc, { editor, surface: container, focused: () => focus.focusedInside(), viewSize: size })
  const keyboard = new Keyboard(container, {
    editor,
    viewport,
    focus,
    canvasCursor,
    zoom: zoomCommands,
    // A previewed version goes back first, an open share dialog closes; then Escape stops following.
    escape: () => (versions?.escape() ?? false) || (share?.escape() ?? false) || follow.stop(),
    drawingPath: (e) => keyboardDraw.onKey(e),
  })
  cleanups.push(() => keyboard.destroy(), () => keyboardDraw.destroy())

  // ---- editor, board and camera changes → the rest of the view ----
  cleanups.push(
    editor.events.on('tool', () => canvasCursor.refresh()),
    editor.events.on('selection', (ids) => collab.setPresence({ selection: [...ids] })),
    board.onChange((change) => remoteSelections.boardChanged(change)),
    camera.onChange(() => {
      viewportSync.changed()
      canvasCursor.cameraMoved(camera)
    }),
  )

  renderer.setOverlay((ctx, cam) => {
    remoteSelections.draw(ctx, cam)
    editor.drawOverlay(ctx, cam, ACCENT)
    lasers.draw(ctx, cam)
    // Cursors are sprites of their own, not ink on the overlay; placed now, with the overlay in step.
    cursors.place(cam)
  })

  // ---- the room: people, connection ----
  const room = new RoomStatus(doc, collab, board.doc.clientID, (states) => remoteSelections.update(states), options.rename, {
    toggle: (clientId) => follow.toggle(clientId),
    following: () => follow.current?.clientId,
  })
  topRight.append(room.people.el)
  if (options.media !== undefined) {
    const mediaBar = new MediaBar(doc, options.media, room.people.el)
    topRight.append(mediaBar.el)
    const media = options.media
    cleanups.push(
      () => mediaBar.destroy(),
      // The speaking ring on cursors' name tags follows the media bar's dots.
      media.onChange((state) => cursors.setSpeaking(new Set(state.peers.filter((p) => p.speaking).map((p) => p.id)))),
    )
  }
  cleanups.push(follow.onChange(() => room.refreshPeople()))
  room.pill.el.classList.add('bottom-right')
  // Where the pill always was among the panels: focus order and stacking stay.
  topRight.after(room.pill.el)
  cleanups.push(() => room.destroy())
  const showDeleted = (status: ConnectionStatus): void => {
    if (status === 'deleted') deletedNotice.show()
  }
  showDeleted(collab.status())
  cleanups.push(collab.on('status', showDeleted))

  resize()
  access.refresh()

  let destroyed = false
  return {
    editor,
    renderer,
    camera,
    setReadOnly: (readOnly) => access.setReadOnly(readOnly),
    showStandIn(views: ElementView[]): void {
      drawn.show(views)
      if (!drawn.showing) return
      // The renderer's picture is the whole one, and moves with the view.
      dropPicture()
      access.refresh()
    },
    dropStandIn(): void {
      drawn.drop()
      // A board with content drops the picture at the frame that draws it.
      if (board.size() === 0) dropPicture()
    },
    standInShowing: () => drawn.showing,
    paintStandInOffThread(stream: Promise<Uint8Array | undefined>, fallback: (stream: Uint8Array) => void): boolean {
      if (picture !== null || drawn.showing || board.size() > 0) return false
      const started = OffThreadStandIn.start(canvas)
      if (started === null) return false
      picture = started
      const painted = async (): Promise<void> => {
        const bytes = await stream
        const answer = bytes === undefined || picture !== started ? null : await started.paint(bytes)
        // The worker's frame showed it then, whatever this thread was doing: the answer
        // may be read after the board drew, and the picture may have come too late to show.
        if (answer !== null && started.shownBy(answer)) markJoin('stand-in-shown', undefined, answer.paintedAt - performance.timeOrigin)
        if (picture !== started) return
        if (answer !== null && answer.elements > 0) {
          pictureShown = true
          access.refresh()
          return
        }
        dropPicture()
        // The worker failed: the renderer draws the picture instead.
        if (answer === null && bytes !== undefined) fallback(bytes)
      }
      painted().catch(() => {
        if (picture === started) dropPicture()
      })
      return true
    },
    drawnIds: () => preview.ordered().map((v) => v.id),
    focus(): void {
      focus.focus()
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
      container.remove()
      style.remove()
    },
  }
}
