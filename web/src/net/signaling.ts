// The signaling WebSocket client (docs/PROTOCOL.md, "Signaling";
// crates/transport/src/signaling/messages.rs): join with a token, relay WebRTC
// signals, learn who comes and goes, keep the socket alive, and reconnect with
// backoff when it drops, with a fresh token every time.

import type { Member } from '../collab/port'
import { MAX_RETRY_MS, MAX_VISIBLE_RECONNECT_MS, backoffDelay } from './backoff'

/** Client ping period; the server drops a client silent for 30 s. */
const PING_INTERVAL_MS = 10_000
/** A socket we have heard nothing from for this long is dead (server pings every 10 s). */
const SILENCE_TIMEOUT_MS = 30_000
/** The server wants `join` within 10 s; a welcome that takes longer than this will not come. */
const WELCOME_TIMEOUT_MS = 15_000

/** What peers send each other through the server (the transport crate's `Signal`). */
export type Signal =
  /** `renegotiate`: for the sender's live link, answered on that same connection (PROTOCOL.md, "Renegotiation"). */
  | { type: 'offer'; sdp: string; renegotiate?: boolean }
  | { type: 'answer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit }

export interface Welcome {
  me: Member
  /** Everyone already in the room, the keeper first. */
  peers: Member[]
  iceServers: RTCIceServer[]
  /**
   * Members besides the keeper up to which the room links every pair directly
   * (mesh mode); above it members link to the keeper only (star mode). null:
   * an older server that sent none, which means no limit and no relaying.
   */
  meshLimit: number | null
}

/** Error codes after which the server closes the socket. `bad_request` is fatal only as the answer to `join`. */
const FATAL_CODES = new Set(['unauthorized', 'forbidden', 'room_full', 'unavailable', 'rate_limited', 'board_deleted'])

export interface SignalingHandlers {
  welcome(welcome: Welcome): void
  peerJoined(peer: Member): void
  peerLeft(id: string): void
  signal(from: string, signal: Signal): void
  /** The socket dropped or an attempt failed (we retry): `welcomed` and `failures` may have changed. */
  changed(): void
  /** The server deleted the board (`board_deleted`): the client has stopped for good, and reconnects no more. */
  deleted(message: string): void
  /** Anything worth a log line. */
  log(message: string): void
}

export interface SignalingOptions {
  server: string
  room: string
  /** `refresh` is true when the server refused the last token (expired, or signed by a secret it no longer has). */
  token: (refresh: boolean) => Promise<string>
  /** For tests; the global WebSocket otherwise. */
  WebSocket?: new (url: string) => WebSocket
  /** Say `"media": true` in the join: we renegotiate links and take media on them. */
  media?: boolean
}

/** `${server}/api/signal` with ws/wss for http/https. */
export function signalUrl(server: string): string {
  const url = new URL('/api/signal', server)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.toString()
}

export class SignalingClient {
  private socket: WebSocket | null = null
  private welcomedNow = false
  /** The server said `unauthorized`: ask for a fresh token, not the cached one. */
  private tokenRefused = false
  private stopped = true
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private welcomeTimer: ReturnType<typeof setTimeout> | undefined
  private lastHeard = 0
  /** Connection attempts in a row that did not end in a welcome. */
  private failuresInARow = 0
  /** Counts attempts, so a stale attempt (token still loading) does not open a second socket. */
  private attempt = 0

  constructor(private readonly options: SignalingOptions, private readonly handlers: SignalingHandlers) {}

  get welcomed(): boolean {
    return this.welcomedNow
  }

  get failures(): number {
    return this.failuresInARow
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    this.attempt++
    clearTimeout(this.retryTimer)
    this.closeSocket()
  }

  /** Retries at once if we are waiting to reconnect (the browser came back online). */
  retryNow(): void {
    if (this.stopped || this.socket !== null) return
    clearTimeout(this.retryTimer)
    this.failuresInARow = Math.min(this.failuresInARow, 1)
    void this.connect()
  }

  /** Relays a signal to a member; false if the socket is not welcomed now (it is lost, as the connection will be). */
  send(to: string, signal: Signal): boolean {
    return this.welcomedNow && this.write({ type: 'signal', to, signal })
  }

  private async connect(): Promise<void> {
    const attempt = ++this.attempt
    let token: string
    try {
      token = await this.options.token(this.tokenRefused)
      this.tokenRefused = false
    } catch (error) {
      if (attempt !== this.attempt) return
      this.handlers.log(`signaling: no token (${error instanceof Error ? error.message : String(error)})`)
      this.failed()
      return
    }
    if (attempt !== this.attempt || this.stopped) return
    const Socket = this.options.WebSocket ?? WebSocket
    let socket: WebSocket
    try {
      socket = new Socket(signalUrl(this.options.server))
    } catch (error) {
      this.handlers.log(`signaling: cannot open the socket (${error instanceof Error ? error.message : String(error)})`)
      this.failed()
      return
    }
    this.socket = socket
    this.lastHeard = Date.now()
    socket.onopen = () => {
      this.write({ type: 'join', room: this.options.room, token, ...(this.options.media === true ? { media: true } : {}) })
      this.welcomeTimer = setTimeout(() => {
        this.handlers.log('signaling: no welcome in time')
        socket.close()
      }, WELCOME_TIMEOUT_MS)
      this.pingTimer = setInterval(() => this.keepAlive(socket), PING_INTERVAL_MS)
    }
    socket.onmessage = (e) => {
      this.lastHeard = Date.now()
      this.onMessage(e.data)
    }
    socket.onclose = (e) => {
      if (this.socket !== socket) return
      this.handlers.log(`signaling: socket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`)
      const welcomed = this.welcomedNow
      this.closeSocket()
      if (welcomed) {
        this.failuresInARow = 0
        this.scheduleRetry()
        this.handlers.changed()
      } else {
        this.failed()
      }
    }
  }

  private keepAlive(socket: WebSocket): void {
    if (Date.now() - this.lastHeard > SILENCE_TIMEOUT_MS) {
      this.handlers.log('signaling: the server went silent')
      socket.close()
      return
    }
    this.write({ type: 'ping' })
  }

  private onMessage(data: unknown): void {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(String(data)) as Record<string, unknown>
      if (typeof message !== 'object' || message === null) throw new Error('not an object')
    } catch {
      this.handlers.log('signaling: ignored a message that is not JSON')
      return
    }
    switch (message.type) {
      case 'welcome': {
        clearTimeout(this.welcomeTimer)
        this.welcomedNow = true
        this.failuresInARow = 0
        const welcome = message as unknown as Welcome
        this.handlers.welcome({
          me: welcome.me,
          peers: welcome.peers ?? [],
          iceServers: welcome.iceServers ?? [],
          meshLimit: meshLimit(message.meshLimit),
        })
        break
      }
      case 'peer-joined':
        this.handlers.peerJoined(message.peer as Member)
        break
      case 'peer-left':
        this.handlers.peerLeft(String(message.id))
        break
      case 'signal':
        if (typeof message.from === 'string' && isSignal(message.signal)) this.handlers.signal(message.from, message.signal)
        else this.handlers.log('signaling: ignored a malformed signal')
        break
      case 'error': {
        const code = String(message.code)
        const fatal = FATAL_CODES.has(code) || (code === 'bad_request' && !this.welcomedNow)
        if (code === 'unauthorized') this.tokenRefused = true
        this.handlers.log(`signaling: server error ${code}${fatal ? ' (fatal)' : ''}: ${String(message.message)}`)
        if (code === 'board_deleted') {
          // Stopped before the close arrives, so it schedules no reconnect.
          this.stopped = true
          clearTimeout(this.retryTimer)
          this.handlers.deleted(String(message.message))
        }
        break
      }
      case 'ping':
        this.write({ type: 'pong' })
        break
      case 'pong':
        break
      default:
        this.handlers.log(`signaling: ignored a message of type ${String(message.type)}`)
    }
  }

  private write(message: object): boolean {
    const socket = this.socket
    if (!socket || socket.readyState !== 1 /* OPEN */) return false
    socket.send(JSON.stringify(message))
    return true
  }

  private failed(): void {
    this.failuresInARow++
    this.scheduleRetry()
    this.handlers.changed()
  }

  private scheduleRetry(): void {
    if (this.stopped) return
    clearTimeout(this.retryTimer)
    const cap = pageHidden() ? MAX_RETRY_MS : MAX_VISIBLE_RECONNECT_MS
    const delay = backoffDelay(Math.max(0, this.failuresInARow - 1), Math.random(), cap)
    this.handlers.log(`signaling: reconnecting in ${delay} ms`)
    this.retryTimer = setTimeout(() => void this.connect(), delay)
  }

  private closeSocket(): void {
    clearTimeout(this.welcomeTimer)
    clearInterval(this.pingTimer)
    const socket = this.socket
    this.socket = null
    this.welcomedNow = false
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null
      if (socket.readyState <= 1) socket.close()
    }
  }
}

/** A hidden tab retries at the slow pace; the mesh retries at once when it shows again. */
function pageHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden'
}

/** `welcome.meshLimit`: an integer >= 0, or null when absent (or not one: treated as absent). */
function meshLimit(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null
}

function isSignal(value: unknown): value is Signal {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  if (s.type === 'offer' || s.type === 'answer') return typeof s.sdp === 'string'
  return s.type === 'candidate' && typeof s.candidate === 'object' && s.candidate !== null
}
