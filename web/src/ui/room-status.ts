// What the Collab port reports about the room, shown: the people list (from
// presence states, with roles from the members list) and the connection pill.
// Presence states also reach whoever else draws them (remote selections).

import type { Collab, ConnectionStatus, PresenceState } from '../collab/port'
import { PresenceList, presenceEntries, type FollowChoice } from './presence-list'
import { StatusPill } from './status'

export class RoomStatus {
  readonly people: PresenceList
  readonly pill: StatusPill
  private readonly cleanups: Array<() => void>

  constructor(
    doc: Document,
    private readonly collab: Collab,
    /** Our Yjs client id: our own presence chip comes first, marked "you". */
    private readonly ownClientId: number,
    /** Every presence state as it changes (ours included). */
    private readonly onPresence: (states: Map<number, PresenceState>) => void,
    rename: (() => void) | undefined,
    follow: FollowChoice,
  ) {
    this.people = new PresenceList(doc, rename, follow)
    this.pill = new StatusPill(doc)
    this.showStatus(collab.status())
    this.showPresence(collab.presence())
    this.cleanups = [
      collab.on('status', (s) => this.showStatus(s)),
      collab.on('presence', (states) => this.showPresence(states)),
      // Roles come with the members list, which may change after a state arrives.
      collab.on('members', () => this.renderPeople(collab.presence())),
    ]
  }

  /** Draws the people list again (whom we follow changed). */
  refreshPeople(): void {
    this.renderPeople(this.collab.presence())
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
  }

  private showStatus(s: ConnectionStatus): void {
    this.pill.set(s, this.collab.directPeers().map((m) => m.name))
  }

  private showPresence(states: Map<number, PresenceState>): void {
    this.renderPeople(states)
    this.onPresence(states)
  }

  private renderPeople(states: Map<number, PresenceState>): void {
    this.people.render(presenceEntries(states, this.ownClientId, { ownRole: this.collab.role, members: this.collab.members() }))
  }
}
