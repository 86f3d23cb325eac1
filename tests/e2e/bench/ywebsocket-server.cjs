// The y-websocket baseline server of tests/e2e/bench.mjs: y-websocket 2.1.0's
// own server code (bin/utils.cjs, what its bin/server.cjs runs), with one room
// already holding the board the bench built in Inkmesh (the keeper's snapshot,
// a Yjs v1 update, read from BOARD_FILE), so both sync the same bytes.
//
// Env: PORT, ROOM, BOARD_FILE. Listens on 127.0.0.1 only.

const { readFileSync } = require('node:fs')
const http = require('node:http')
const Y = require('yjs')
const WebSocket = require('ws')
const { getYDoc, setupWSConnection } = require('y-websocket/bin/utils')

const port = Number(process.env.PORT)
const room = process.env.ROOM
const board = readFileSync(process.env.BOARD_FILE)

Y.applyUpdate(getYDoc(room), new Uint8Array(board.buffer, board.byteOffset, board.byteLength))

const wss = new WebSocket.Server({ noServer: true })
wss.on('connection', setupWSConnection)
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end(`${getYDoc(room).getMap('elements').size}`)
})
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})
server.listen(port, '127.0.0.1', () => console.log(`y-websocket on 127.0.0.1:${port}, room ${room}`))
