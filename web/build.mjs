// Builds the browser client into dist/: the board app (index.html + app.js,
// served by the server at / and /b/{room}) and the embeddable ES module
// (inkmesh.js: mount() and <inkmesh-board>), plus the app's service worker
// (sw.js, which keeps the app shell for offline reloads). The page's early
// script (src/boot.ts) is inlined into index.html: a separate file would cost
// a request before it could start the snapshot's. The page's render worker
// (src/render/render-worker.ts: stand-in pictures and live ink) goes into the
// bundles as source: an embed's page, another origin, could not start it from
// a URL of ours.
// `node build.mjs --watch` rebuilds on change (the early script and the
// worker are built once).
import { build, context } from 'esbuild'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
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
  define: { RENDER_WORKER_SOURCE: JSON.stringify(await bundledSource('src/render/render-worker.ts')) },
}

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
await writeFile(join(out, 'index.html'), await pageWithBootScript())
if (watch) {
  await (await context(options)).watch()
} else {
  await build(options)
}

/** `entry` bundled into one minified classic script (an IIFE), as text. */
async function bundledSource(entry) {
  const built = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  })
  return built.outputFiles[0].text.trim()
}

/** index.html with src/boot.ts bundled (no module, so it runs as the HTML is parsed) in place of its marker. */
async function pageWithBootScript() {
  const html = await readFile(join(root, 'index.html'), 'utf8')
  const marker = /<!-- inkmesh:boot [^>]*-->/
  if (!marker.test(html)) throw new Error('index.html has no <!-- inkmesh:boot --> marker')
  const code = await bundledSource('src/boot.ts')
  if (/<\/script/i.test(code)) throw new Error('the boot script contains </script and cannot be inlined')
  return html.replace(marker, () => `<script>${code}</script>`)
}
