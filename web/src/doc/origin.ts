// Transaction origins. Local edits carry LOCAL_ORIGIN, which the undo manager
// tracks; updates from peers carry a RemoteOrigin so they are never undone by
// this user and never sent back to the network.

export const LOCAL_ORIGIN: unique symbol = Symbol('inkmesh-local')

/** Origin of updates applied from a peer, an HTTP snapshot or an uploaded file. */
export class RemoteOrigin {
  constructor(readonly source: string) {}
}

export function isRemote(origin: unknown): origin is RemoteOrigin {
  return origin instanceof RemoteOrigin
}
