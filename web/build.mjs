// Builds the browser client into dist/: the board app (index.html + app.js,
// served by the server at / and /b/{room}) and the embeddable ES module
// (inkmesh.js: mount() and <inkmesh-board>), plus the app's service worker
// (sw.js, which keeps the app shell for offline reloads). `node build.mjs
// --watch` rebuilds on change.
import { build, context } from 'esbuild'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(fileURLToPath(import.meta.url))
const out = join(root, 'dist')
const watch = process.argv.includes('--watch')

const options = {
  entryPoints: { app: join(root, 'src/app.ts'), inkmesh: join(root, 'src/embed.ts'), sw: join(root, 'src/sw.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: !watch,
  sourcemap: true,
  logLevel: 'info',
}

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
await copyFile(join(root, 'index.html'), join(out, 'index.html'))
if (watch) {
  await (await context(options)).watch()
} else {
  await build(options)
}
