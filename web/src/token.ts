// Room tokens on the client: reading the (unverified) claims the UI needs, and
// getting a guest token from a server in open mode. The server verifies every
// token; nothing here is trusted for access, only for display and defaults.

import type { Role } from './collab/port'

export interface Claims {
  room: string
  sub: string
  name: string
  role: Role
  exp: number
}

/** The claims of a JWT, or undefined when it is not one. */
export function readClaims(token: string): Claims | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const claims = JSON.parse(json) as Partial<Claims>
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return undefined
    return {
      room: String(claims.room ?? ''),
      sub: claims.sub,
      name: String(claims.name ?? ''),
      role: claims.role === 'viewer' ? 'viewer' : 'editor',
      exp: claims.exp,
    }
  } catch {
    return undefined
  }
}

/** Still valid for at least a minute. */
export function isFresh(claims: Claims, nowMs = Date.now()): boolean {
  return claims.exp * 1000 - nowMs > 60_000
}

/** Guest tokens for one room and name (see guestTokens). */
export interface GuestTokens {
  cached(): string | undefined
  /** The cached token, or a new one when there is none or `refresh` (the server refused it). */
  get(refresh: boolean): Promise<string>
}

/**
 * A token provider for servers in open mode: asks `POST /api/rooms/{room}/token`
 * for a guest token and keeps it in localStorage until it nearly expires, so a
 * reload (even offline) keeps the same user and undo author. A refused token
 * (a server that lost its open-mode secret) is replaced.
 */
export function guestTokens(server: string, room: string, name?: string): GuestTokens {
  const key = `inkmesh:token:${server}:${room}`
  const cached = (): string | undefined => {
    const token = safeStorage()?.getItem(key) ?? undefined
    const claims = token === undefined ? undefined : readClaims(token)
    // A token for another name (the user renamed themselves) is not ours any more.
    const named = name === undefined || name === '' || claims?.name === name
    return claims !== undefined && isFresh(claims) && named ? token : undefined
  }
  // The snapshot request and the signaling socket ask at the same moment: one request serves both.
  let inFlight: Promise<string> | undefined
  const request = async (): Promise<string> => {
    const response = await fetch(`${server}/api/rooms/${encodeURIComponent(room)}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(name === undefined || name === '' ? {} : { name }),
    })
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { message?: string }
      throw new Error(body.message ?? `the server refused a guest token (${response.status})`)
    }
    const { token } = (await response.json()) as { token: string }
    safeStorage()?.setItem(key, token)
    return token
  }
  return {
    cached,
    get(refresh) {
      const existing = refresh ? undefined : cached()
      if (existing !== undefined) return Promise.resolve(existing)
      inFlight ??= request().finally(() => (inFlight = undefined))
      return inFlight
    },
  }
}

/** localStorage, or undefined where it is blocked (sandboxed iframes, some privacy modes). */
export function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage
  } catch {
    return undefined
  }
}
