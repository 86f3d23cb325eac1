// mount(): one board in one element. It wires the layers together: the Yjs
// document and its local copy (IndexedDB), the Board store, the network mesh,
// and the view (inside a shadow root, so the host page's CSS and ours never
// meet). The app page and the embeddable module both go through here.

import * as Y from 'yjs'

import { applyUpdate } from './doc/apply-update'
import { Board } from './doc/board'
import { LOCAL_ORIGIN } from './doc/origin'
import { LocalCopy } from './local-copy'
import type { BoardChange } from './doc/types'
import type { Collab, PresenceState } from './collab/port'
import { Mesh } from './net/mesh'
import type { PeerMedia } from './collab/media-port'
import type { RemoteOrigin } from './doc/origin'
import { FIRST_VIEW_MAX_PX, requestFirstView, requestRender, requestSnapshot } from './net/snapshot-request'
import { requestHistory, requestVersion } from './net/history-request'
import { versionDoc } from './doc/restore'
import { encodeRenderStream } from './doc/render-stream'
import { dropPicture, keepFirstViewImage, keepPicture, pictureName, readPicture } from './local-picture'
import { firstViewImage, firstViewOf, fitsFirstViewImage } from './render/early-picture'
import { boardPicture, renderBody, type BoardPicture } from './board-picture'
import { exportPNG, exportSVG, imageDataURIs } from './render/export'
import { readClaims, guestTokens, safeStorage, type GuestTokens } from './token'
import type { FileActions } from './ui/file-menu'
import type { HistoryActions } from './ui/history-panel'
import type { ShareActions } from './ui/share-dialog'
import { createBoardView, type BoardView } from './ui/view'
import { readBoardFile, writeBoardFile } from './file/board-file'
import { referencedImages } from './file/referenced-images'
import { BoardImages, imageStoreName } from './images'
import { dropDeletedCopy, markDeleted, wasDeleted } from './deleted-boards'
import { markJoin } from './util/join-marks'
import { paintFirst } from './paint-first'
import { afterNextFrame } from './util/next-frame'

export interface MountOptions {
  /** Origin of the Inkmesh server; default: where this module was loaded from. */
  server?: string
  room: string
  /**
   * A room token (HS256 JWT from your backend), or a function returning one
   * (called for every connection; `refresh` is true after the server refused
   * the last one). Default: a guest token (open mode).
   */
  token?: string | ((refresh: boolean) => Promise<string>)
  /** Show the board without editing tools. The server enforces the token's role either way. */
  readOnly?: boolean
  theme?: 'light' | 'dark'
  /** Display name asked for with guest tokens. */
  name?: string
  /** Keep a local copy in IndexedDB (offline editing, fast reloads). Default true. */
  offline?: boolean
  onChange?: (change: BoardChange) => void
  /**
   * Who is here (presence states by Yjs client id) and, second, the people we
   * share media with: whether they speak, and their connection quality from
   * getStats (docs/MEDIA.md). Called when either changes; the second is empty
   * with `media: false`.
   */
  onPresence?: (presence: Map<number, PresenceState>, people: MediaPerson[]) => void
  /** Links for a Share button (the app page gives its own); without them there is none: an embedding page shares in its own way. */
  share?: ShareActions
  /** Called when the user clicks their own name to change it; without it the name is fixed (embeds take it from the token). */
  onRename?: () => void
  /**
   * Connect to the other members only through the server's TURN relay, never
   * directly: peers and the network between never see this browser's
   * addresses. Needs a TURN server in the server's `--ice-server`s; without
   * one, nobody is reached live. Default false.
   */
  relay?: boolean
  /**
   * The snapshot request, already under way (the app page starts it from its
   * HTML, before the bundle runs); without it the board asks for it itself.
   */
  snapshot?: Promise<Response>
  /**
   * The render stream request, already under way (as `snapshot`); without it
   * the board asks for its first view (see standInRequest). Drawn while the
   * snapshot is applied.
   */
  render?: Promise<Response>
  /**
   * Pictures of the board to draw until it loads, already being read and
   * decoded (the app page starts them from its HTML: board-picture.ts);
   * given, they replace both the render stream and this browser's kept
   * picture. The first to come is drawn.
   */
  pictures?: BoardPicture[]
  /**
   * Voice, camera and screen share with the others on direct links. false:
   * none of it (no buttons, nothing asked of the browser), for hosts that run
   * their own calls. Permissions are asked only when the person clicks.
   * Default true.
   */
  media?: boolean
  /** The guest token provider that request used, so one guest token serves both; default: a new one for the server, room and name. */
  guestTokens?: GuestTokens
}

/** A person we share media with, as onPresence reports them. */
export type MediaPerson = Pick<PeerMedia, 'id' | 'name' | 'colour' | 'audio' | 'speaking' | 'quality'>

export interface BoardHandle {
  readonly board: Board
  readonly doc: Y.Doc
  readonly collab: Collab
  readonly view: BoardView
  /** Resolves once the local copy (IndexedDB) is loaded into the document. */
  readonly localCopyLoaded: Promise<void>
  /** Resolves once every change so far is written to the local copy. */
  whenSaved(): Promise<void>
  exportSVG(): Promise<string>
  exportPNG(): Promise<Blob>
  /** The board as a board file (docs/SCHEMA.md "Board files"), with the files of the images it shows. */
  exportFile(): Promise<Uint8Array>
  /** Merges a board file into this board and keeps its images; rejects with a readable error on a bad file. */
  importFile(bytes: Uint8Array): Promise<void>
  destroy(): void
}

/** Exported pictures: on white (as the board looks), at twice the size for sharp text and ink. */
const PNG_OPTIONS = { background: '#ffffff', scale: 2 }

export function mount(element: HTMLElement, options: MountOptions): BoardHandle {
  markJoin('mount')
  const server = trimSlash(options.server ?? defaultServer())
  const { room } = options
  const guest = options.guestTokens ?? guestTokens(server, room, options.name)
  const given = options.token
  const token = typeof given === 'function' ? given : typeof given === 'string' ? async () => given : guest.get
  const known = typeof given === 'string' ? given : guest.cached()
  const claims = known === undefined ? undefined : readClaims(known)
  const readOnly = options.readOnly === true || claims?.role === 'viewer'

  // Before anything is added to it: the size the stand-in is asked for.
  const size = { width: element.clientWidth, height: element.clientHeight }
  // The snapshot and the stand-in are asked for at once, not after a token
  // provider's answer, which is only read after this function and the
  // view's first frame, ~30-50 ms on. With a token known now (given, or a
  // guest token kept from an earlier visit), or, for a guest's first visit,
  // none: an open-mode server reads without one (PROTOCOL.md), and the
  // guest token the mesh asks for meanwhile is for joining. Never with a
  // host's provider: its tokens are the host's to choose.
  const early = typeof given === 'function' ? undefined : { token: known }
  const snapshot = options.snapshot ?? (early === undefined ? undefined : requestSnapshot(server, room, early.token))
  const render = options.render ?? (early === undefined || options.pictures !== undefined ? undefined : standInRequest(server, room, early.token, size))
  // Their takers report a failed request; until then (or if this throws first) it is not unhandled.
  for (const request of [snapshot, render]) request?.catch(() => undefined)
  const doc = new Y.Doc()
  const board = new Board(doc, claims?.sub ?? deviceId())
  const picture = pictureName(server, room)
  const copyName = `inkmesh:${server}:${room}`
  // A board the server deleted on an earlier visit: its old copy must never
  // reach the board now under that name (deleted-boards.ts). Dropped before
  // anything here opens it.
  const afterDeletion = wasDeleted(copyName)
  if (afterDeletion) void dropDeletedCopy(copyName, [copyName, imageStoreName(server, room)], () => dropPicture(picture))
  // Asked for before the local copy opens: the picture is a fraction of the
  // copy's bytes and needs no Yjs, so it can be drawn before the copy loads.
  const keptPicture = options.offline === false || options.pictures !== undefined || afterDeletion ? undefined : boardPicture(readPicture(picture))
  const local = options.offline === false ? undefined : new LocalCopy(copyName, doc)
  const localCopyLoaded = local?.loaded ?? Promise.resolve()
  // The view comes after the mesh (see mesh.start()); until it exists no stand-in shows.
  let standInShowing = (): boolean => false
  let changesUnpainted = (): boolean => false
  const mesh = new Mesh({
    doc,
    server,
    room,
    token,
    ...(local === undefined ? {} : { applySnapshot: (update: Uint8Array, origin: RemoteOrigin) => local.applyWhole(update, origin) }),
    snapshotReady: () =>
      paintFirst({
        loaded: localCopyLoaded,
        showing: () => board.size() > 0 || standInShowing(),
        unpainted: changesUnpainted,
        ...(typeof requestAnimationFrame === 'undefined' ? {} : { nextFrame: () => afterNextFrame() }),
      }),
    ...(snapshot === undefined ? {} : { snapshot }),
    onLog: (message) => console.info(`[inkmesh] ${message}`),
    ...(options.relay === true ? { iceTransportPolicy: 'relay' as const } : {}),
    media: options.media !== false,
    ...(claims === undefined ? {} : { role: claims.role }),
  })
  // Before the view: its first frame is main-thread work the snapshot request
  // and the signaling socket need not wait for (the view reads the state it
  // starts from; everything the network reports arrives in later tasks).
  mesh.start()

  const host = document.createElement('div')
  host.className = 'inkmesh-board-host'
  host.style.cssText = 'position:relative;width:100%;height:100%;min-height:200px'
  element.appendChild(host)
  const shadow = host.attachShadow({ mode: 'open' })
  // Whether this member may upload: the token's role, then the server's word (members).
  let editorRole = !readOnly
  const images = new BoardImages({ server, room, token, board, keep: options.offline !== false, canEdit: () => editorRole })
  const exportFile = async (): Promise<Uint8Array> => {
    const update = Y.encodeStateAsUpdate(doc)
    return writeBoardFile(update, await images.filesOf(board.ordered()))
  }
  const importFile = async (bytes: Uint8Array): Promise<void> => {
    const file = await readBoardFile(bytes)
    if (view.editor.readOnly) throw new Error('This board is view-only: nothing was imported.')
    // Kept before the board references them, as pictures added by hand; only those the file's board shows.
    await images.keep(referencedImages(file))
    // Our own edit: broadcast to the room, and one undo step.
    board.beginAction()
    applyUpdate(doc, file.update, LOCAL_ORIGIN)
  }
  const files: FileActions = {
    exportSVG: async () => exportSVG(board, {}, await imageDataURIs(board.ordered())),
    exportPNG: () => exportPNG(board, PNG_OPTIONS),
    exportFile,
    importFile,
    name: () => room,
  }
  const history: HistoryActions = {
    list: async () => requestHistory(server, room, await token(false)),
    open: async (id) => versionDoc(await requestVersion(server, room, await token(false), id)),
  }
  const view = createBoardView(shadow, board, mesh, {
    readOnly,
    theme: options.theme ?? 'light',
    files,
    history,
    images: { add: (files, place) => images.add(files, place), onMessage: (listener) => images.onMessage(listener) },
    ...(options.onRename === undefined ? {} : { rename: options.onRename }),
    ...(options.share === undefined ? {} : { share: options.share }),
    ...(mesh.media === null ? {} : { media: mesh.media }),
  })

  standInShowing = () => view.standInShowing()
  changesUnpainted = () => view.renderer.changesUnpainted()
  // The render stream's picture until the board itself has content: a
  // 10,000-stroke snapshot takes longer to apply than a first render may.
  let synced = false
  void mesh.synced.then(() => {
    synced = true
    view.dropStandIn()
  })
  const serverPicture = options.pictures === undefined ? renderBody(render ?? token(false).then((t) => standInRequest(server, room, t, size))) : undefined
  const drawnByRenderer = (picture: BoardPicture): void => void drawStandIn(picture, view, board, () => synced)
  // The server's picture painted by a worker, where one can; a kept picture the renderer shows replaces it.
  const offThread = serverPicture !== undefined && view.paintStandInOffThread(serverPicture, (bytes) => drawnByRenderer(boardPicture(Promise.resolve(bytes))))
  const pictures = options.pictures ?? [
    // A returning visitor's kept picture needs no network: usually first.
    ...(keptPicture === undefined ? [] : [keptPicture]),
    ...(serverPicture === undefined || offThread ? [] : [boardPicture(serverPicture)]),
  ]
  for (const standIn of pictures) drawnByRenderer(standIn)
  /** Keeps the board's picture for the next visit, once it is the board's own. */
  const savePicture = async (): Promise<void> => {
    if (local === undefined) return
    // What the local copy holds, which a reload loads after drawing this:
    // an emptied board keeps an empty picture, never its deleted strokes.
    await local.loaded
    const views = board.ordered()
    // Its first view for the largest window on this screen, either way up: the next visit's early picture (render/early-picture.ts).
    const firstView = await keepPicture(picture, encodeRenderStream(views), firstViewOf(views, Math.max(screen.width, screen.height)))
    // Then that first view painted ahead for this window, which the next
    // visit shows sooner than it paints the stream, unless the one kept
    // still fits. Second, and on its own: a page closing meanwhile keeps its
    // picture all the same.
    if (firstView === undefined || (firstView.image !== undefined && fitsFirstViewImage(document, firstView.image))) return
    const root = document.documentElement
    const image = firstViewImage(views, root.clientWidth, root.clientHeight, window.devicePixelRatio || 1)
    if (image !== undefined) await keepFirstViewImage(picture, firstView, image)
  }
  const onHidden = (): void => {
    if (document.visibilityState === 'hidden') savePicture().catch(() => undefined)
  }
  document.addEventListener('visibilitychange', onHidden)
  const unsubscribe: Array<() => void> = []
  unsubscribe.push(
    () => document.removeEventListener('visibilitychange', onHidden),
    mesh.on('members', () => {
      if (mesh.me === null) return
      const viewer = options.readOnly === true || mesh.me.role === 'viewer'
      const becameEditor = !viewer && !editorRole
      editorRole = !viewer
      view.setReadOnly(viewer)
      if (becameEditor) images.reconnected()
    }),
    // Back live after being away: pictures added meanwhile go up, and those the server lacked are asked for again.
    mesh.on('status', (status) => {
      if (status === 'live') images.reconnected()
      if (status === 'deleted') {
        markDeleted(copyName)
        // Nothing to send to: the copy here is the person's to download.
        images.stopUploads()
        editorRole = false
        view.setReadOnly(true)
      }
    }),
  )
  if (options.onChange !== undefined) unsubscribe.push(board.onChange(options.onChange))
  if (options.onPresence !== undefined) {
    const onPresence = options.onPresence
    const people = (): MediaPerson[] =>
      (mesh.media?.state().peers ?? []).map(({ id, name, colour, audio, speaking, quality }) => ({ id, name, colour, audio, speaking, quality }))
    unsubscribe.push(mesh.on('presence', (presence) => onPresence(presence, people())))
    if (mesh.media) unsubscribe.push(mesh.media.onChange(() => onPresence(mesh.presence(), people())))
  }

  return {
    board,
    doc,
    collab: mesh,
    view,
    localCopyLoaded,
    async whenSaved() {
      await local?.whenSaved()
      await savePicture()
    },
    exportSVG: files.exportSVG,
    exportPNG: files.exportPNG,
    exportFile,
    importFile,
    destroy() {
      for (const off of unsubscribe) off()
      images.destroy()
      view.destroy()
      mesh.destroy()
      void local?.destroy()
      doc.destroy()
      host.remove()
    },
  }
}

/**
 * The stand-in a board asks for itself: the first view of its element's size
 * (PROTOCOL.md, "A first view"), a tenth of a big board's stream or less,
 * decoded and drawn in a few ms. The whole stream's ~90 ms of decoding and
 * drawing held the snapshot's apply back by as long, in a page where the
 * stream came first. The whole stream when the element has no size yet, or
 * one past what a first view covers.
 */
function standInRequest(server: string, room: string, token: string | undefined, size: { width: number; height: number }): Promise<Response> {
  const fits = [size.width, size.height].every((px) => px > 0 && px <= FIRST_VIEW_MAX_PX)
  return fits ? requestFirstView(server, room, token, size.width, size.height) : requestRender(server, room, token)
}

/** Draws a board picture as a stand-in, unless the board got content first or another picture is drawn. */
async function drawStandIn(picture: BoardPicture, view: BoardView, board: Board, synced: () => boolean): Promise<void> {
  const views = await picture
  if (views === null || board.size() > 0 || synced()) return
  view.showStandIn(views)
  markJoin('stand-in-shown')
}

/** The origin this module was served from: embeds talk to the server that served them. */
function defaultServer(): string {
  try {
    return new URL(import.meta.url).origin
  } catch {
    return location.origin
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}

/** A stable id for this browser, the author of its elements before a token says who we are. */
function deviceId(): string {
  const storage = safeStorage()
  const existing = storage?.getItem('inkmesh:device')
  if (existing) return existing
  const id = `device-${Math.random().toString(36).slice(2, 12)}`
  storage?.setItem('inkmesh:device', id)
  return id
}
