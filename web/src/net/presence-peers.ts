// Which member is behind each presence client, for what the UI shows per
// person (a viewer's mark). A state's `peer` is the sender's word; a client
// heard over a direct link is that link's member, whose id and role the
// server stamped, so the link wins. A client relayed by the keeper keeps the
// id its state carries (docs/PROTOCOL.md, Presence: `peer`).

import type { Presence } from '../protocol/presence'

/**
 * `states` with each client's `peer` set from the direct link that owns it
 * (`ownerOf` gives the owning connection, `directPeer` that connection's
 * member id when it is a direct link to a member, not the keeper), and ours
 * (`ownClient`) set to `ownPeer`.
 */
export function attributePresence(
  states: Map<number, Presence>,
  ownClient: number,
  ownPeer: string | undefined,
  ownerOf: (client: number) => number | undefined,
  directPeer: (speaker: number) => string | undefined,
): Map<number, Presence> {
  const out = new Map<number, Presence>()
  for (const [client, state] of states) {
    const owner = ownerOf(client)
    const linked = client === ownClient ? ownPeer : owner === undefined ? undefined : directPeer(owner)
    const peer = linked ?? (client === ownClient ? undefined : state.peer)
    const attributed: Presence = { ...state }
    delete attributed.peer
    if (peer !== undefined) attributed.peer = peer
    out.set(client, attributed)
  }
  return out
}
