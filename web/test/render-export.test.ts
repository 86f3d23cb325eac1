// SVG export: one group per drawn element, escaping, colour validation, viewBox.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { RemoteOrigin } from '../src/doc/origin'
import { exportSVG } from '../src/render/export'
import { hitElement } from '../src/render/hit'

function sampleBoard(): { board: Board; ids: string[] } {
  const board = new Board(new Y.Doc(), 'u')
  const ids = [
    board.add({ t: 'rect', x: 0, y: 0, w: 100, h: 50, fc: '#a5d8ff', r: 0.3 }),
    board.add({ t: 'ellipse', x: 200, y: 0, w: 80, h: 40, o: 0.5 }),
    board.add({ t: 'arrow', x: 0, y: 100, w: 100, h: -20 }),
    board.add({ t: 'line', x: 0, y: 200, w: -30, h: 10 }),
    board.add({ t: 'text', x: 0, y: 300, w: 200, h: 30, text: 'a <b> & "c" \u0007' }),
    board.add({ t: 'sticky', x: 300, y: 300, w: 400, h: 150, text: '</text><script>x</script>' }),
  ]
  const s = board.beginStroke({ x: 400, y: 400 }, { sc: '#e03131', sw: 6 })
  board.appendPoints(s, [{ x: 400, y: 400 }, { x: 420, y: 430 }, { x: 450, y: 420 }])
  board.endStroke(s)
  ids.push(s)
  return { board, ids }
}

/** Tags and attribute values of a tiny well-formedness check: balanced tags, no raw `<` or `&` in text. */
function checkWellFormed(svg: string): void {
  const stack: string[] = []
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(amp|lt|gt|quot|#39);)/g)) {
    if (m[2] === undefined) throw new Error(`raw markup character at ${m.index}: ${svg.slice(m.index, (m.index ?? 0) + 30)}`)
    if (m[1] === '/') expect(stack.pop()).toBe(m[2])
    else if (m[4] !== '/') stack.push(m[2])
  }
  expect(stack).toEqual([])
}

describe('exportSVG', () => {
  it('writes one group per element, in z order, as well-formed markup', () => {
    const { board, ids } = sampleBoard()
    const svg = exportSVG(board, { background: '#ffffff' })
    checkWellFormed(svg)
    expect([...svg.matchAll(/data-id="([^"]*)"/g)].map((m) => m[1])).toEqual(ids)
    expect(svg).toContain('<rect x=') // background
    expect(svg).toContain('opacity="0.5"')
    expect(svg).toContain('transform="rotate(17.19 50 25)"')
    expect(svg).toMatch(/data-kind="stroke"><path d="M[^"]+Z" fill="#e03131"\/>/)
  })

  it('escapes text and ids, drops control characters, and writes only #rrggbb colours', () => {
    const { board, ids } = sampleBoard()
    board.update(ids[0] as string, { sc: 'red" onload="alert(1)', fc: 'url(#x)' })
    board.doc.transact(() => {
      board.doc.getMap('elements').set('<&">', new Y.Map<unknown>([['t', 'rect'], ['z', 'b0'], ['w', 1], ['h', 1]]))
    }, new RemoteOrigin('peer'))
    const svg = exportSVG(board, { background: 'javascript:x' })
    checkWellFormed(svg)
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot; </tspan>')
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;x&lt;/script&gt;')
    expect(svg).toContain('data-id="&lt;&amp;&quot;&gt;"')
    expect(svg).not.toContain('onload')
    expect(svg).not.toContain('url(')
    expect(svg).not.toContain('javascript')
    expect(svg).not.toContain('\u0007')
  })

  it('skips unknown kinds and frames the drawing with a margin', () => {
    const board = new Board(new Y.Doc(), 'u')
    board.add({ t: 'rect', x: 10, y: 20, w: 100, h: 50, sw: 4 })
    board.doc.transact(() => {
      board.doc.getMap('elements').set('vid', new Y.Map<unknown>([['t', 'video'], ['z', 'a5'], ['x', 9999]]))
    })
    const svg = exportSVG(board)
    expect(svg).not.toContain('data-id="vid"')
    // bounds 10..110 x 20..70, stroke reach 3 (0.75 sw), margin 16
    expect(svg).toContain('viewBox="-9 1 138 88"')
    expect(exportSVG(new Board(new Y.Doc(), 'u'))).toContain('viewBox="-16 -16 32 32"')
  })
})

describe('exportSVG images', () => {
  const hash = 'ab'.repeat(32)
  const image = { im: hash, mt: 'image/png', iw: 40, ih: 20, ib: 100 }

  it('embeds an image it has the bytes of as a data: URI at its place and size', () => {
    const board = new Board(new Y.Doc(), 'u')
    const id = board.add({ t: 'image', x: 10, y: 20, w: 80, h: 40, image })
    const svg = exportSVG(board, {}, new Map([[hash, 'data:image/png;base64,AAAA']]))
    expect(svg).toContain(`<g data-id="${id}" data-kind="image"><image x="10" y="20" width="80" height="40" preserveAspectRatio="none" href="data:image/png;base64,AAAA"/></g>`)
  })

  it('draws an image it has no bytes for, or with a malformed hash, as its placeholder box', () => {
    const board = new Board(new Y.Doc(), 'u')
    board.add({ t: 'image', x: 0, y: 0, w: 30, h: 30, image })
    board.add({ t: 'image', x: 50, y: 0, w: 30, h: 30, image: { ...image, im: 'not-a-hash' } })
    const svg = exportSVG(board, {}, new Map([['not-a-hash', 'data:image/png;base64,AAAA']]).set('x', 'y'))
    // SCHEMA.md: a light box with a dashed outline, as the server's board.svg draws it.
    expect(svg.match(/<rect x="\d+" y="0" width="30" height="30" fill="#f1f3f5" stroke="#adb5bd" stroke-width="1" stroke-dasharray="6 4"\/>/g)?.length).toBe(2)
    expect(svg).not.toContain('<image')
  })
})

describe('hitElement', () => {
  it('hits strokes near their ink, unfilled shapes on their outline, filled ones inside', () => {
    const { board, ids } = sampleBoard()
    const get = (i: number) => board.get(ids[i] as string)!
    const stroke = get(6)
    expect(hitElement(stroke, { x: 410, y: 415 }, 1)).toBe(true)
    expect(hitElement(stroke, { x: 440, y: 400 }, 1)).toBe(false)
    const ellipse = get(1)
    expect(hitElement(ellipse, { x: 240, y: 20 }, 2)).toBe(false)
    expect(hitElement(ellipse, { x: 200, y: 20 }, 2)).toBe(true)
    const rect = get(0) // filled, rotated 0.3 rad
    expect(hitElement(rect, { x: 50, y: 25 }, 0)).toBe(true)
    expect(hitElement(rect, { x: 2, y: 48 }, 0)).toBe(false) // a corner rotated away
    const arrow = get(2)
    expect(hitElement(arrow, { x: 50, y: 90 }, 2)).toBe(true)
  })
})
