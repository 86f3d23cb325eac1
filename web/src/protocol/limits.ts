// Bounds on what a peer may make us buffer (docs/PROTOCOL.md, Chunking and
// Presence). The frame limit is part of the protocol, not a local preference:
// receivers bound a message's chunk count by their own F, so a sender with
// smaller frames could exceed it. Tests pass small values to both ends.

export interface Limits {
  /** F: the largest frame we send on the board channel (safe in every browser). */
  maxFrameBytes: number
  /** M: the largest reassembled message we accept or send (a whole board is one step 2). */
  maxMessageBytes: number
  /** Messages being reassembled at once, per peer. */
  maxPartialMessages: number
  /** How long a partial message may wait for its next chunk, in ms. */
  reassemblyTimeoutMs: number
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxFrameBytes: 16_384,
  maxMessageBytes: 64 * 1024 * 1024,
  maxPartialMessages: 4,
  reassemblyTimeoutMs: 10_000,
}
