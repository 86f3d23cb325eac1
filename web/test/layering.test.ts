// The UI and the network meet only at the port (src/collab/port.ts): nothing
// under src/ui/ imports from src/net/, and nothing under src/net/ from
// src/ui/, so either side can change (or be tested) without the other.

import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const src = path.resolve(import.meta.dirname, '../src')

/** Every .ts file under `dir`, recursively. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sources(full)
    return entry.name.endsWith('.ts') ? [full] : []
  })
}

/** Static imports, re-exports, side-effect imports and dynamic import() of `text`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g

/** What each relative import of `file` resolves to, as a path relative to src/. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  return [...text.matchAll(SPECIFIER)]
    .map((m) => m[1] as string)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.relative(src, path.resolve(path.dirname(file), spec)))
}

/** `from:to` for each file under src/`from` that imports anything under src/`to`. */
function crossings(from: string, to: string): string[] {
  return sources(path.join(src, from)).flatMap((file) =>
    importsOf(file)
      .filter((target) => target === to || target.startsWith(`${to}${path.sep}`))
      .map((target) => `${path.relative(src, file)} imports ${target}`),
  )
}

describe('layering', () => {
  it('reads the imports it checks (the scan is not vacuous)', () => {
    expect(importsOf(path.join(src, 'ui/view.ts'))).toContain(path.join('collab', 'port'))
    expect(importsOf(path.join(src, 'net/mesh.ts'))).toContain(path.join('collab', 'port'))
  })

  it('ui/ never imports from net/', () => {
    expect(crossings('ui', 'net')).toEqual([])
  })

  it('net/ never imports from ui/', () => {
    expect(crossings('net', 'ui')).toEqual([])
  })
})
