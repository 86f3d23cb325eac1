// The service worker of the board app: it keeps the app shell (the page, the
// script, its source map) so that a board opens, and a reload works, while
// the server or the network is down. Boards themselves live in IndexedDB
// (y-indexeddb); this only makes the code available. Network first, so a
// deployed update is picked up as soon as the server answers.

export {}
declare const self: ServiceWorkerGlobalScope

const CACHE = 'inkmesh-shell-v1'
const SHELL = ['/index.html', '/app.js']

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  // Navigation preload: the page's request starts while this worker starts,
  // not after (a stopped worker takes tens of ms to start).
  event.waitUntil(Promise.all([self.clients.claim(), self.registration.navigationPreload?.enable()]))
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return
  const isPage = request.mode === 'navigate'
  const preloaded: Promise<Response | undefined> = isPage ? event.preloadResponse : Promise.resolve(undefined)
  event.respondWith(
    preloaded
      .then((response) => response ?? fetch(request))
      .then((response) => {
        // Kept while the page already reads it: awaited, the copy held the
        // page's first byte until the whole body was in and written.
        // Every board link is the same page: kept once, as /index.html.
        if (response.ok) {
          const copy = response.clone()
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(isPage ? '/index.html' : request, copy)))
        }
        return response
      })
      .catch(async () => {
        const cached = await caches.match(isPage ? '/index.html' : request)
        return cached ?? Response.error()
      }),
  )
})
