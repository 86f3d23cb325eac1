// Presence: awareness updates on the board channel (docs/PROTOCOL.md,
// "Presence"). y-protocols' awareness.js applies updates without checking
// them, so every update from a peer is decoded and validated here first: entry
// count, UTF-8, JSON shape and sizes. One bad entry refuses the whole update.
// The sender side trims our own state to what every receiver accepts.

import { ProtocolError } from './error'
import { Reader, varuintLength, writeVarUint } from './lib0'
import { MAX_CLIENTS_PER_UPDATE, MAX_NAME_CHARS, MAX_PRESENCE_JSON_BYTES } from './limits'

/** A client not heard from for this long is removed (awareness.js's outdatedTimeout). */
export const PRESENCE_EXPIRY_MS = 30_000

/** A client's state: the wire JSON object with defaults filled in. */
export interface Presence {
  name: string
  colour: string
  selection: string[]
  viewport: { x: number; y: number; w: number; h: number } | null
  /**
   * The client asks everyone to follow its viewport. Parsed and trimmed
   * states carry it only as `true`, never `false`, so a state that does not ask
   * is byte-identical to one from a client that predates the field.
   */
  followMe?: boolean
  /** The sender's peer id, as its welcome stamped it; absent when not a string (older clients send none). */
  peer?: string
}

export interface AwarenessEntry {
  client: number
  clock: number
  /** The state's JSON text as it arrived, to pass on unchanged. */
  json: string
  /** null: the client left. */
  state: Presence | null
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** Decodes and validates a whole awareness update; throws a ProtocolError on anything PROTOCOL.md refuses. */
export function decodeAwarenessUpdate(bytes: Uint8Array): AwarenessEntry[] {
  const reader = new Reader(bytes, 'awareness update')
  const count = reader.varuint()
  if (count > MAX_CLIENTS_PER_UPDATE) {
    throw new ProtocolError(
      `awareness update lists ${count} clients, over the limit of ${MAX_CLIENTS_PER_UPDATE}`,
      'awareness_clients_per_update',
    )
  }
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const client = reader.varuint()
    const clock = reader.varuint()
    const raw = reader.varbuf()
    if (raw.length > MAX_PRESENCE_JSON_BYTES) {
      throw new ProtocolError(
        `presence state of ${raw.length} bytes exceeds the limit of ${MAX_PRESENCE_JSON_BYTES} bytes`,
        'presence_state_bytes',
      )
    }
    let json: string
    try {
      json = utf8.decode(raw)
    } catch {
      throw new ProtocolError('bad presence: state is not UTF-8')
    }
    entries.push({ client, clock, json, state: parsePresence(json) })
  }
  reader.finish()
  return entries
}

/** An update listing `entries` (client, clock, JSON text), as awareness.js encodes it. */
export function encodeAwarenessUpdate(entries: ReadonlyArray<Pick<AwarenessEntry, 'client' | 'clock' | 'json'>>): Uint8Array {
  const parts = entries.map((e) => ({ ...e, bytes: encoder.encode(e.json) }))
  let size = varuintLength(parts.length)
  for (const p of parts) size += varuintLength(p.client) + varuintLength(p.clock) + varuintLength(p.bytes.length) + p.bytes.length
  const out = new Uint8Array(size)
  let at = writeVarUint(out, 0, parts.length)
  for (const p of parts) {
    at = writeVarUint(out, at, p.client)
    at = writeVarUint(out, at, p.clock)
    at = writeVarUint(out, at, p.bytes.length)
    out.set(p.bytes, at)
    at += p.bytes.length
  }
  return out
}

/** `null` or a valid presence object; unknown fields are ignored, as newer clients may add some. */
export function parsePresence(json: string): Presence | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new ProtocolError('bad presence: state is not JSON')
  }
  return presenceFromValue(value)
}

/** A parsed JSON state checked and normalised (defaults filled in, unknown fields dropped). */
export function presenceFromValue(value: unknown): Presence | null {
  if (value === null) return null
  if (!isObject(value)) throw new ProtocolError('bad presence: state is neither null nor an object')
  const { name, colour, selection, viewport, followMe, peer } = value
  if (typeof name !== 'string') throw new ProtocolError('bad presence: `name` is not a string')
  if (typeof colour !== 'string') throw new ProtocolError('bad presence: `colour` is not a string')
  if (selection !== undefined && !(Array.isArray(selection) && selection.every((id) => typeof id === 'string'))) {
    throw new ProtocolError('bad presence: `selection` is not an array of strings')
  }
  if (viewport !== undefined && viewport !== null && !isViewport(viewport)) {
    throw new ProtocolError('bad presence: `viewport` is not {x, y, w, h} numbers')
  }
  return {
    name,
    colour,
    selection: (selection as string[] | undefined) ?? [],
    viewport: viewport === undefined || viewport === null ? null : pickViewport(viewport as Presence['viewport'] & object),
    // Anything but `true` is "no", never a refusal: Rust peers and the keeper
    // ignore the field, so refusing here would split the room over it.
    ...(followMe === true ? { followMe: true as const } : {}),
    ...(typeof peer === 'string' ? { peer } : {}),
  }
}

/**
 * Our own state, trimmed to what receivers accept: the name cut to 256
 * characters, a non-finite viewport dropped, and as many selected ids, first
 * first, as fit in the 65,536-byte JSON limit.
 */
export function trimPresence(presence: Presence): Presence {
  const chars = Array.from(presence.name)
  const trimmed: Presence = {
    name: chars.length > MAX_NAME_CHARS ? chars.slice(0, MAX_NAME_CHARS).join('') : presence.name,
    colour: presence.colour,
    selection: presence.selection,
    viewport: presence.viewport && isViewport(presence.viewport) ? pickViewport(presence.viewport) : null,
    ...(presence.followMe === true ? { followMe: true as const } : {}),
    ...(presence.peer === undefined ? {} : { peer: presence.peer }),
  }
  if (jsonBytes(trimmed) <= MAX_PRESENCE_JSON_BYTES) return trimmed
  let room = MAX_PRESENCE_JSON_BYTES - jsonBytes({ ...trimmed, selection: [] })
  const selection: string[] = []
  for (const id of presence.selection) {
    // The id's JSON plus a separating comma (one too many for the first: safe).
    const cost = jsonBytes(id) + 1
    if (cost > room) break
    room -= cost
    selection.push(id)
  }
  return { ...trimmed, selection }
}

function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isViewport(value: unknown): boolean {
  return isObject(value) && ['x', 'y', 'w', 'h'].every((k) => typeof value[k] === 'number' && Number.isFinite(value[k]))
}

function pickViewport(v: { x: number; y: number; w: number; h: number }): Presence['viewport'] {
  return { x: v.x, y: v.y, w: v.w, h: v.h }
}
