// Who is here: one chip per presence state (ours first, marked "you"), with
// initials in the person's colour, viewers marked "view only" and presenters
// "presenting". Another person's chip is a button that follows their view
// (ui/follow.ts). Names are untrusted: set as text only. Joins and leaves are
// announced politely; the list itself is redrawn on every presence change
// (viewports, selections), which a screen reader must not hear.

import type { Member, PresenceState } from '../collab/port'
import { safeColor } from '../render/color'
import { Announcer } from './announcer'
import { readableOn } from './cursors'

const FALLBACK_COLOUR = '#868e96'
const MAX_NAME = 40
/** More people than this joining (or leaving) at once are counted, not named. */
const MAX_NAMED_CHANGES = 3

/** Up to two initials: "Ann Lee" → "AL", "bob" → "B"; symbols-only names fall back to "?". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w))
  const letters = words.slice(0, 2).map((w) => [...w.replace(/^[^\p{L}\p{N}]+/u, '')][0] ?? '')
  return letters.join('').toUpperCase() || '?'
}

/** What ties a presence chip to a member (media-bar.ts marks speakers by it): colour and name, as the viewer marks are. */
export function chipKey(name: string, colour: string): string {
  return `${colour.toLowerCase()} ${name.slice(0, MAX_NAME)}`
}

export interface PresenceEntry {
  clientId: number
  name: string
  colour: string
  you: boolean
  /** Joined with a viewer token: sees the board, cannot change it. */
  viewer: boolean
  /** Asks everyone to follow their view. */
  presenting: boolean
}

/**
 * Which presence states are viewers'. Roles are the server's (the members
 * list of signaling); a state names its member by peer id (`peer`, set by the
 * net layer from the direct link it came over when there is one), so a state
 * is a viewer's when that member is one, whatever names and colours repeat.
 * Ours is known from our own role.
 */
export interface Roles {
  ownRole: Member['role']
  members: Pick<Member, 'id' | 'role'>[]
}

/** Ours first, then by name, so the list does not reshuffle as states renew. */
export function presenceEntries(states: Map<number, PresenceState>, ownClientId: number, roles?: Roles): PresenceEntry[] {
  const viewers = new Set((roles?.members ?? []).filter((m) => m.role === 'viewer').map((m) => m.id))
  const out: PresenceEntry[] = []
  for (const [clientId, s] of states) {
    const rawName = typeof s.name === 'string' ? s.name : ''
    const name = rawName.slice(0, MAX_NAME) || 'Anonymous'
    const colour = safeColor(s.colour, FALLBACK_COLOUR)
    const you = clientId === ownClientId
    const viewer = you ? roles?.ownRole === 'viewer' : s.peer !== undefined && viewers.has(s.peer)
    out.push({ clientId, name, colour, you, viewer, presenting: s.followMe === true })
  }
  return out.sort((a, b) => Number(b.you) - Number(a.you) || a.name.localeCompare(b.name) || a.clientId - b.clientId)
}

/**
 * What to announce when the list goes from `before` to `after` (others only:
 * we know we are here): who joined, who left. Entries are told apart by
 * client id, so a rename is neither.
 */
export function presenceChanges(before: readonly PresenceEntry[], after: readonly PresenceEntry[]): string[] {
  const ids = (entries: readonly PresenceEntry[]): Set<number> => new Set(entries.map((e) => e.clientId))
  const [was, is] = [ids(before), ids(after)]
  const joined = after.filter((e) => !e.you && !was.has(e.clientId))
  const left = before.filter((e) => !e.you && !is.has(e.clientId))
  const say = (entries: PresenceEntry[], verb: string): string[] => {
    if (entries.length === 0) return []
    if (entries.length > MAX_NAMED_CHANGES) return [`${entries.length} people ${verb}`]
    return entries.map((e) => `${e.name}${e.viewer ? ' (view only)' : ''} ${verb}`)
  }
  return [...say(joined, 'joined'), ...say(left, 'left')]
}

/** Following from the people list: a click on someone's chip. */
export interface FollowChoice {
  /** Follows them, or stops if we follow them already. */
  toggle(clientId: number): void
  /** The client we follow now, if any. */
  following(): number | undefined
}

export class PresenceList {
  readonly el: HTMLElement
  private readonly chips: HTMLElement
  private readonly announcer: Announcer
  /** The entries last shown; undefined before the first list, which is no change to announce. */
  private shown: PresenceEntry[] | undefined

  /**
   * `rename`, when given, makes our own chip a button that asks for a new
   * name; `follow`, when given, makes everyone else's a button that follows them.
   */
  constructor(
    private readonly doc: Document,
    private readonly rename?: () => void,
    private readonly follow?: FollowChoice,
  ) {
    this.el = doc.createElement('div')
    this.el.className = 'presence'
    this.el.dataset.testid = 'presence'
    this.el.setAttribute('role', 'group')
    this.el.setAttribute('aria-label', 'People on this board')
    this.chips = doc.createElement('div')
    this.chips.className = 'people'
    this.announcer = new Announcer(doc, 'presence-announcer')
    this.el.append(this.chips, this.announcer.el)
  }

  render(entries: PresenceEntry[]): void {
    const changes = this.shown === undefined ? [] : presenceChanges(this.shown, entries)
    this.shown = entries
    if (changes.length > 0) this.announcer.say(`${changes.join('. ')}.`)
    const chips = entries.map((e) => {
      const chip = this.doc.createElement('div')
      chip.className = 'person'
      chip.dataset.clientId = String(e.clientId)
      chip.dataset.who = chipKey(e.name, e.colour)
      if (e.you) chip.dataset.you = 'true'
      if (e.viewer) chip.dataset.role = 'viewer'
      const role = e.viewer ? ', view only' : ''
      chip.title = e.you ? `${e.name} (you${role})` : `${e.name}${e.viewer ? ' (view only)' : ''}`
      if (e.you && this.rename !== undefined) {
        const rename = this.rename
        chip.classList.add('renamable')
        chip.setAttribute('role', 'button')
        chip.tabIndex = 0
        chip.title = `${e.name} (you${role}): click to change your name`
        activate(chip, rename)
      }
      if (!e.you && this.follow !== undefined) {
        const follow = this.follow
        const following = follow.following() === e.clientId
        chip.classList.add('followable')
        chip.setAttribute('role', 'button')
        chip.tabIndex = 0
        chip.setAttribute('aria-pressed', String(following))
        if (following) chip.dataset.following = 'true'
        chip.title = `${chip.title}: click to ${following ? 'stop following' : 'follow their view'}`
        activate(chip, () => follow.toggle(e.clientId))
      }
      const avatar = this.doc.createElement('span')
      avatar.className = 'avatar'
      avatar.setAttribute('aria-hidden', 'true')
      avatar.dataset.initials = initials(e.name)
      avatar.style.background = e.colour
      avatar.style.color = readableOn(e.colour)
      const name = this.doc.createElement('span')
      name.className = 'name'
      name.textContent = e.name
      chip.append(avatar, name)
      if (e.viewer) {
        // Text, not only a style: screen readers and the title say it too.
        const mark = this.doc.createElement('span')
        mark.className = 'role-mark'
        mark.textContent = 'view only'
        chip.append(mark)
      }
      if (e.presenting) {
        const mark = this.doc.createElement('span')
        mark.className = 'role-mark'
        mark.textContent = 'presenting'
        chip.append(mark)
      }
      return chip
    })
    this.chips.replaceChildren(...chips)
  }
}

/** Runs `action` on a click, Enter or Space: what a button does, for a chip with role="button". */
function activate(chip: HTMLElement, action: () => void): void {
  chip.addEventListener('click', () => action())
  chip.addEventListener('keydown', (k) => {
    if (k.key !== 'Enter' && k.key !== ' ') return
    k.preventDefault()
    action()
  })
}
