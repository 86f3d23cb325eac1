// Chromium's own data channel, measured the way the transport benchmark
// measures ours (crates/transport/benches/transport.rs, bulk_throughput): 8 MiB
// queued at once on a reliable ordered channel, in messages of each size
// given, timed until the other end has it all (or 60 s pass). Both peer
// connections live in one page, as both native peers live in one process
// there, and reach each other through host candidates of this machine: the
// packets never leave it.
//
// The transport benchmark runs this on clean loopback and again inside its
// lossy network namespace, so Chromium's SCTP (dcsctp) and ours face the
// same loss in the same run. Prints one JSON line: message bytes → MB/s (MB
// of 10^6 bytes, as there), or null for a size that did not connect within
// 30 s or finish within 60 s.
//
//   node tests/e2e/bench/browser-channel.mjs 16384 262144

import { launchChromium } from '../harness.mjs'

/** Bytes queued for each message size, as in the native benchmark. */
const TOTAL_BYTES = 8 << 20
/** How long the bytes may take before the size is reported unfinished. */
const TRANSFER_LIMIT_MS = 60_000
/** How long the two connections may take to open (ICE and DTLS retransmit under loss). */
const CONNECT_LIMIT_MS = 30_000

const sizes = process.argv.slice(2).map(Number)
if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n <= 0 || n > 256 * 1024)) {
  console.error('usage: node tests/e2e/bench/browser-channel.mjs <message bytes, at most 262144>...')
  process.exit(2)
}

const browser = await launchChromium()
try {
  const page = await browser.newPage()
  const result = {}
  for (const size of sizes) {
    result[size] = await page.evaluate(
      async ([size, total, transferMs, connectMs]) => {
        const a = new RTCPeerConnection()
        const b = new RTCPeerConnection()
        try {
          a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate)
          b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate)
          const sendChannel = a.createDataChannel('board', { ordered: true })
          sendChannel.binaryType = 'arraybuffer'
          const received = new Promise((resolve) => {
            b.ondatachannel = ({ channel }) => {
              channel.binaryType = 'arraybuffer'
              resolve(channel)
            }
          })
          await a.setLocalDescription()
          await b.setRemoteDescription(a.localDescription)
          await b.setLocalDescription()
          await a.setRemoteDescription(b.localDescription)
          const opened = new Promise((resolve) => (sendChannel.onopen = resolve))
          const connected = await Promise.race([
            Promise.all([opened, received]).then(([, channel]) => channel),
            new Promise((resolve) => setTimeout(() => resolve(null), connectMs)),
          ])
          if (connected === null) return null
          const start = performance.now()
          let bytes = 0
          const done = new Promise((resolve) => {
            connected.onmessage = (e) => {
              bytes += e.data.byteLength
              if (bytes >= total - (total % size)) resolve(true)
            }
            setTimeout(() => resolve(false), transferMs)
          })
          const message = new Uint8Array(size).fill(7)
          for (let sent = 0; sent + size <= total; sent += size) sendChannel.send(message)
          const finished = await done
          return finished ? bytes / ((performance.now() - start) / 1000) / 1e6 : null
        } finally {
          a.close()
          b.close()
        }
      },
      [size, TOTAL_BYTES, TRANSFER_LIMIT_MS, CONNECT_LIMIT_MS],
    )
  }
  console.log(JSON.stringify(result))
} finally {
  await browser.close()
}
