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
  event.waitUntil(self.clients.claim())
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return
  const isPage = request.mode === 'navigate'
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        if (response.ok) {
          const cache = await caches.open(CACHE)
          // Every board link is the same page: keep it once, as /index.html.
          await cache.put(isPage ? '/index.html' : request, response.clone())
        }
        return response
      })
      .catch(async () => {
        const cached = await caches.match(isPage ? '/index.html' : request)
        return cached ?? Response.error()
      }),
  )
})
