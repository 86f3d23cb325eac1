import { describe, expect, it } from 'vitest'

import { FAIR_LOSS, FAIR_VIDEO_BITRATE, POOR_AUDIO_BITRATE, POOR_LOSS, POOR_RTT_MS, POOR_VIDEO_BITRATE, bitrateCaps, grade, linkQuality, readStats, sendGrade } from '../src/net/quality'

/** A getStats report as Chromium gives one: a Map of stats objects. */
function report(entries: Array<Record<string, unknown>>): RTCStatsReport {
  return new Map(entries.map((e, i) => [String(i), e])) as unknown as RTCStatsReport
}

describe('link quality', () => {
  it('reads inbound packets over audio and video, the nominated pair round trip and the audio jitter', () => {
    const sample = readStats(
      report([
        { type: 'inbound-rtp', kind: 'audio', packetsReceived: 100, packetsLost: 2, jitter: 0.004 },
        { type: 'inbound-rtp', kind: 'video', packetsReceived: 50, packetsLost: -1 },
        { type: 'candidate-pair', nominated: false, state: 'succeeded', currentRoundTripTime: 9 },
        { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.012 },
        { type: 'outbound-rtp', kind: 'audio', packetsSent: 999 },
      ]),
    )
    expect(sample).toEqual({ packetsReceived: 150, packetsLost: 2, rttMs: 12, jitterMs: 4, sent: null })
  })

  it('a link with no media yet has no figures but its round trip, and is good', () => {
    const sample = readStats(report([{ type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.001 }]))
    expect(linkQuality(null, sample)).toEqual({ rttMs: 1, loss: 0, jitterMs: null, grade: 'good' })
  })

  it('loss is counted between samples, not since the link began', () => {
    const before = { packetsReceived: 1000, packetsLost: 100, rttMs: 10, jitterMs: 2, sent: null }
    const after = { packetsReceived: 1100, packetsLost: 100, rttMs: 10, jitterMs: 2, sent: null }
    expect(linkQuality(null, before).grade).toBe('poor')
    expect(linkQuality(before, after)).toEqual({ rttMs: 10, loss: 0, jitterMs: 2, grade: 'good' })
    const lossy = { ...after, packetsReceived: 1190, packetsLost: 110 }
    expect(linkQuality(after, lossy).loss).toBeCloseTo(0.1)
  })

  it("grades what we send from the peer's receiver reports, not from what we receive", () => {
    // We receive cleanly, but the peer reports 10 % of our packets lost: our sending is poor.
    const lossyOutbound = readStats(
      report([
        { type: 'inbound-rtp', kind: 'audio', packetsReceived: 100, packetsLost: 0, jitter: 0.001 },
        { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.1, roundTripTime: 0.01, jitter: 0.002 },
        { type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0, roundTripTime: 0.02 },
        { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.01 },
      ]),
    )
    expect(lossyOutbound.sent).toEqual({ fractionLost: 0.1, rttMs: 20, jitterMs: 2 })
    expect(linkQuality(null, lossyOutbound).grade).toBe('good')
    expect(sendGrade(lossyOutbound)).toBe('poor')
    // And the other way round: heavy inbound loss, clean reports of ours.
    const lossyInbound = readStats(
      report([
        { type: 'inbound-rtp', kind: 'audio', packetsReceived: 90, packetsLost: 10 },
        { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0, roundTripTime: 0.01, jitter: 0.001 },
      ]),
    )
    expect(linkQuality(null, lossyInbound).grade).toBe('poor')
    expect(sendGrade(lossyInbound)).toBe('good')
    // Sending nothing: no reports, no grade to cap by.
    expect(sendGrade(readStats(report([{ type: 'inbound-rtp', kind: 'audio', packetsReceived: 5, packetsLost: 0 }])))).toBeNull()
  })

  it('grades against the thresholds, the worst figure deciding', () => {
    expect(grade(0, 20, 5)).toBe('good')
    expect(grade(FAIR_LOSS, 20, 5)).toBe('fair')
    expect(grade(POOR_LOSS, 20, 5)).toBe('poor')
    expect(grade(0, POOR_RTT_MS, null)).toBe('poor')
    expect(grade(0, null, null)).toBe('good')
  })

  it('caps the bitrate on fair and poor links only', () => {
    expect(bitrateCaps('good')).toEqual({ audio: null, video: null })
    expect(bitrateCaps('fair')).toEqual({ audio: null, video: FAIR_VIDEO_BITRATE })
    expect(bitrateCaps('poor')).toEqual({ audio: POOR_AUDIO_BITRATE, video: POOR_VIDEO_BITRATE })
  })
})
