// A direct link's quality from its getStats report: round-trip time of the
// selected candidate pair, the share of inbound packets lost since the last
// sample, and the jitter of the inbound audio; graded against named
// thresholds for the indicator. Our send caps follow what the PEER's receiver
// reports of what we send (remote-inbound-rtp, from its RTCP receiver
// reports): that is the direction a cap changes.

import type { LinkQuality } from '../collab/media-port'

/** How often each link's stats are read. */
export const QUALITY_INTERVAL_MS = 2000
/** Loss at or above this (fraction of packets) is poor: speech breaks up audibly. */
export const POOR_LOSS = 0.05
/** Loss at or above this is fair: concealment starts to be heard. */
export const FAIR_LOSS = 0.02
/** Round trip at or above this is poor: people talk over each other. */
export const POOR_RTT_MS = 400
/** Round trip at or above this is fair. */
export const FAIR_RTT_MS = 200
/** Inbound audio jitter at or above this is poor: the jitter buffer adds as much delay. */
export const POOR_JITTER_MS = 60
/** Inbound audio jitter at or above this is fair. */
export const FAIR_JITTER_MS = 30
/** Our audio's cap on a poor link (Opus stays intelligible at 16 kbit/s and above). */
export const POOR_AUDIO_BITRATE = 16_000
/** Our video's cap on a poor link. */
export const POOR_VIDEO_BITRATE = 150_000
/** Our video's cap on a fair link. */
export const FAIR_VIDEO_BITRATE = 500_000

/** What the peer's receiver reports of what we send (remote-inbound-rtp), worst over our streams. */
export interface SentReport {
  /** Fraction of our packets lost in the peer's last receiver report, 0..1. */
  fractionLost: number
  /** Round trip the RTCP reports measured, ms; null until measured. */
  rttMs: number | null
  /** Jitter of our audio at the peer, ms; null without audio. */
  jitterMs: number | null
}

/** The cumulative figures one getStats report gives. */
export interface StatsSample {
  packetsReceived: number
  packetsLost: number
  rttMs: number | null
  jitterMs: number | null
  /** Null while we send nothing (no receiver reports yet). */
  sent: SentReport | null
}

/** The figures from a link's report: inbound RTP summed over audio and video, the nominated pair's RTT, the audio's jitter, and the peer's reports of ours. */
export function readStats(report: RTCStatsReport): StatsSample {
  const sample: StatsSample = { packetsReceived: 0, packetsLost: 0, rttMs: null, jitterMs: null, sent: null }
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === 'remote-inbound-rtp') {
      const sent: SentReport = (sample.sent ??= { fractionLost: 0, rttMs: null, jitterMs: null })
      sent.fractionLost = Math.max(sent.fractionLost, Math.min(1, Math.max(0, numberOr(s.fractionLost, 0))))
      if (typeof s.roundTripTime === 'number') sent.rttMs = Math.max(sent.rttMs ?? 0, s.roundTripTime * 1000)
      if (s.kind === 'audio' && typeof s.jitter === 'number') sent.jitterMs = s.jitter * 1000
    } else if (s.type === 'inbound-rtp') {
      sample.packetsReceived += numberOr(s.packetsReceived, 0)
      // packetsLost may go negative with duplicates (RFC 3550): never below none.
      sample.packetsLost += Math.max(0, numberOr(s.packetsLost, 0))
      if (s.kind === 'audio' && typeof s.jitter === 'number') sample.jitterMs = s.jitter * 1000
    } else if (s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded' && typeof s.currentRoundTripTime === 'number') {
      sample.rttMs = s.currentRoundTripTime * 1000
    }
  })
  return sample
}

/** The quality between two samples (`previous` null: since the link began). */
export function linkQuality(previous: StatsSample | null, now: StatsSample): LinkQuality {
  const received = now.packetsReceived - (previous?.packetsReceived ?? 0)
  const lost = now.packetsLost - (previous?.packetsLost ?? 0)
  const loss = received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 0
  return { rttMs: now.rttMs, loss, jitterMs: now.jitterMs, grade: grade(loss, now.rttMs, now.jitterMs) }
}

/** The grade of what we send, from the peer's reports (its round trip when they have none, the link's); null while we send nothing. */
export function sendGrade(sample: StatsSample): LinkQuality['grade'] | null {
  const sent = sample.sent
  return sent === null ? null : grade(sent.fractionLost, sent.rttMs ?? sample.rttMs, sent.jitterMs)
}

export function grade(loss: number, rttMs: number | null, jitterMs: number | null): LinkQuality['grade'] {
  const rtt = rttMs ?? 0
  const jitter = jitterMs ?? 0
  if (loss >= POOR_LOSS || rtt >= POOR_RTT_MS || jitter >= POOR_JITTER_MS) return 'poor'
  if (loss >= FAIR_LOSS || rtt >= FAIR_RTT_MS || jitter >= FAIR_JITTER_MS) return 'fair'
  return 'good'
}

/** The send caps (bits per second) for a grade; null: no cap (the browser's own congestion control decides). */
export function bitrateCaps(quality: LinkQuality['grade']): { audio: number | null; video: number | null } {
  if (quality === 'poor') return { audio: POOR_AUDIO_BITRATE, video: POOR_VIDEO_BITRATE }
  if (quality === 'fair') return { audio: null, video: FAIR_VIDEO_BITRATE }
  return { audio: null, video: null }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}
