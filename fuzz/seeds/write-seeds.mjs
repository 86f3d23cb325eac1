#!/usr/bin/env node
// Writes the fuzz targets' seed inputs (fuzz/seeds/<target>/) from the examples
// of docs/PROTOCOL.md and docs/SCHEMA.md and the fixtures in tests/fixtures, so
// every run starts from valid messages and the fuzzer mutates from there.
// Run it again when a spec example or a target's input layout changes:
//
//   node fuzz/seeds/write-seeds.mjs

import { createHmac } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc32 } from 'node:zlib'

const SEEDS = dirname(fileURLToPath(import.meta.url))
const FIXTURES = resolve(SEEDS, '../../tests/fixtures')
/** fuzz/src/secret.rs `SECRET`: tokens in the seeds pass its signature check. */
const SECRET = 'fuzz-secret-0123456789abcdef'
/** fuzz_targets/token.rs `ROOM`. */
const TOKEN_ROOM = 'fuzz-room'
/** A year-2100 expiry, so that seed tokens stay valid. */
const FAR_EXPIRY = 4_102_444_800

const hex = (text) => Buffer.from(text.replace(/\s+/g, ''), 'hex')
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))

/** fuzz/src/frames.rs: each frame preceded by its length and its delay in tenths of a second. */
function frames(...list) {
  return bytes(...list.flatMap((frame) => {
    if (frame.length > 255) throw new Error(`a seed frame of ${frame.length} bytes does not fit the one-byte length`)
    return [[frame.length, 0], frame]
  }))
}

function varuint(n) {
  const out = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Buffer.from(out)
}

/** docs/PROTOCOL.md "Chunking": `message` in chunks of `frameLimit - 9` payload bytes. */
function chunks(message, frameLimit, id = 0) {
  const payload = frameLimit - 9
  const count = Math.ceil(message.length / payload)
  return Array.from({ length: count }, (_, index) => {
    const header = Buffer.alloc(9)
    header.writeUInt8(1, 0)
    header.writeUInt32LE(id, 1)
    header.writeUInt16LE(index, 5)
    header.writeUInt16LE(count, 7)
    return bytes(header, message.subarray(index * payload, (index + 1) * payload))
  })
}

/** docs/SCHEMA.md "Snapshots". */
function envelope(encoding, update, createdMs = 1_700_000_000_000) {
  const header = Buffer.alloc(29)
  header.write('IMSH', 0, 'latin1')
  header.writeUInt32LE(1, 4)
  header.writeUInt8(encoding, 8)
  header.writeBigUInt64LE(BigInt(createdMs), 9)
  header.writeUInt32LE(crc32(update), 17)
  header.writeBigUInt64LE(BigInt(update.length), 21)
  return bytes(header, update)
}

function jwt(header, claims) {
  const signed = `${Buffer.from(header).toString('base64url')}.${Buffer.from(claims).toString('base64url')}`
  return `${signed}.${createHmac('sha256', SECRET).update(signed).digest('base64url')}`
}

const JWT_HEADER = '{"alg":"HS256","typ":"JWT"}'
const claims = (room) => JSON.stringify({ room, sub: 'u-42', name: 'Ada', role: 'editor', exp: FAR_EXPIRY })

// docs/PROTOCOL.md examples.
const sync1Empty = hex('00 00 00 01 00')
const sync1 = hex('00 00 00 04 01 d2 09 05')
const sync2Empty = hex('00 00 01 02 00 00')
const updateEmpty = hex('00 00 02 02 00 00')
const annState = '{"name":"Ann","colour":"#e03131","selection":[]}'
const announce = bytes([1, 0xd2, 0x09, 1], varuint(annState.length), annState)
const annNext = '{"name":"Ann","colour":"#e03131","selection":["k3J9aQx0Lm2Z"],"viewport":{"x":0.0,"y":-50.5,"w":1280.0,"h":720.0}}'
const renew = bytes([1, 0xd2, 0x09, 2], varuint(annNext.length), annNext)
const leave = hex('01 d2 09 03 04 6e 75 6c 6c')
const awarenessFrame = (update) => bytes([0, 1], varuint(update.length), update)
const chunkExample = [
  hex('01 00 00 00 00 00 00 02 00 00 01 02 03 04 05 06 07 08 09 0a'),
  hex('01 00 00 00 00 01 00 02 00 0b 0c 0d 0e 0f 10 11 12 13'),
]
const cursor = hex('02 01 00 00  00 00 c9 42  00 00 a2 c1  01  01')

// tests/fixtures: a board written by Yjs, as a v1 and a v2 update and as a board file.
const boardV1 = readFileSync(join(FIXTURES, 'yjs-board.v1.bin'))
const boardV2 = readFileSync(join(FIXTURES, 'yjs-board.v2.bin'))
const boardFile = readFileSync(join(FIXTURES, 'yjs-board.inkmesh'))
/** The fixture board as a sync update message, chunked at the session target's frame limit. */
const boardUpdate = bytes([0, 2], varuint(boardV1.length), boardV1)
const SESSION_FRAME_LIMIT = 64

// Regression inputs (issue 10), each found to break a board:
/** A v1 update holding a GC struct at clock 1 of client 1, leaving clock 0 a gap; in
 * a snapshot as the `snapshot` fuzz target found it. The board's own v2 snapshot did
 * not load (yrs wrote the skip over the gap where it does not read it). */
const gapSnapshot = hex(`49 4d 53 48 01 00 00 00 01 00 00 00 00 00 00 00 00 fb 78 80 6c 07 00 00 00 00 00 00 00
  01 01 01 01 00 01 00`)
/** A subdocument under `elements`: yrs keeps it referencing the board's document, so
 * the board was never freed. */
const subdocumentV1 = hex('01 01 b9 60 00 29 01 08 65 6c 65 6d 65 6e 74 73 01 6b 01 67 76 00 00')
/** The same, as Yjs 13.6 `convertUpdateFormatV1ToV2` writes it. */
const subdocumentV2 = hex(`00 00 03 b9 c0 01 00 00 01 29 0e 0a 65 6c 65 6d 65 6e 74 73 6b 67 08 41 00 01 01 00 00 01
  01 00 76 00 00`)
/** One value struct announcing 2^28 values with 2 bytes left: yrs reserved 6 GiB for them. */
const countReservation = hex('01 01 01 00 08 01 01 65 80 80 80 80 01 00 00')
/** A value nested in 1,000 arrays (2 KB): yrs's recursive decoder overflowed its stack. */
const deepNesting = bytes(hex('01 01 05 00 08 01 01 6d 01'), Buffer.alloc(2 * 999, Buffer.from([0x75, 0x01])), [0x7e, 0x00])
/** Client 1's first 70 million structs, all garbage collected, in 25 bytes of v2: one
 * run in the length column, and the info column's last value, which repeats forever.
 * yrs built every struct (1.7 GB) before the board could look at them. */
const gcRunLengths = bytes([0x41], varuint(70_000_000 - 2))
const gcRunV2 = bytes([0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, gcRunLengths.length], gcRunLengths, [1], varuint(70_000_000), [0, 0])
/** A sync update message carrying `update`, as frames of the session target. */
const updateFrames = (update) => {
  const message = bytes([0, 2], varuint(update.length), update)
  return message.length < SESSION_FRAME_LIMIT ? [bytes([0], message)] : chunks(message, SESSION_FRAME_LIMIT)
}

const snapshots = {
  'schema-example-empty-v1': envelope(1, hex('00 00')),
  'yjs-board-file-v1': boardFile,
  'yjs-board-v2': envelope(2, boardV2),
  'gap-before-gc-struct': gapSnapshot,
  'subdocument-v1': envelope(1, subdocumentV1),
  'subdocument-v2': envelope(2, subdocumentV2),
  'count-reserving-6-gib-v1': envelope(1, countReservation),
  'values-nested-1000-deep-v1': envelope(1, deepNesting),
  'gc-run-of-70-million-structs-v2': envelope(2, gcRunV2),
}

const seeds = {
  board_frame: {
    'sync-step-1-empty': frames(sync1Empty),
    'sync-step-1': frames(sync1),
    'sync-step-2-empty': frames(sync2Empty),
    'update-empty': frames(updateEmpty),
    'awareness': frames(awarenessFrame(announce), awarenessFrame(leave)),
    'chunked-example': frames(...chunkExample),
  },
  cursor_frame: { 'pen-down': cursor },
  presence_update: {
    'announce-renew-leave': frames(announce, renew, leave),
  },
  session: {
    'editor-joins-and-sends-board': bytes([0], frames(sync1Empty, sync2Empty, ...chunks(boardUpdate, SESSION_FRAME_LIMIT), awarenessFrame(announce))),
    'viewer-sends-update': bytes([1], frames(sync1, updateEmpty)),
    'editor-sends-subdocument': bytes([0], frames(sync1Empty, ...updateFrames(subdocumentV1))),
    'editor-sends-count-reserving-6-gib': bytes([0], frames(sync1Empty, ...updateFrames(countReservation))),
    'editor-sends-values-nested-1000-deep': bytes([0], frames(sync1Empty, ...updateFrames(deepNesting))),
  },
  signal_message: {
    'join': JSON.stringify({ type: 'join', room: 'team-board', token: jwt(JWT_HEADER, claims('team-board')) }),
    'offer': '{"type": "signal", "to": "p-0k3j5x9q2m1a", "signal": {"type": "offer", "sdp": "v=0\\r\\n..."}}',
    'answer': '{"type": "signal", "to": "p-0k3j5x9q2m1a", "signal": {"type": "answer", "sdp": "v=0\\r\\n..."}}',
    'candidate': '{"type": "signal", "to": "p-0k3j5x9q2m1a", "signal": {"type": "candidate", "candidate": {"candidate": "candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd"}}}',
    'ping': '{"type": "ping"}',
    'pong': '{"type": "pong"}',
  },
  token: {
    'signed-token': bytes([0], jwt(JWT_HEADER, claims(TOKEN_ROOM))),
    'header-and-claims': bytes([1], `${JWT_HEADER}\n${claims(TOKEN_ROOM)}`),
  },
  snapshot: snapshots,
  board_file: snapshots,
}

for (const [target, files] of Object.entries(seeds)) {
  const dir = join(SEEDS, target)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
}
console.log(`wrote seeds for ${Object.keys(seeds).length} targets in ${SEEDS}`)
