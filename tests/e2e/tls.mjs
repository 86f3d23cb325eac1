// A test certificate for HTTPS end-to-end tests, and HTTPS requests that
// trust it. The certificate comes from the openssl CLI (Debian's `openssl`,
// on every machine that has Chromium), so no npm package is needed.
//
// Chromium is told to accept it with --ignore-certificate-errors-spki-list
// (the SHA-256 of its public key): Chromium's network service then takes it
// for every fetch of the profile, the service worker's script included, which
// Playwright's ignoreHTTPSErrors does not reliably cover.

import { execFile } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { request } from 'node:https'
import { join } from 'node:path'
import { promisify } from 'node:util'

/**
 * Writes `<name>.pem` and `<name>-key.pem` into `dir`: a self-signed P-256
 * certificate for `host` and 127.0.0.1, valid for two days. Returns their
 * paths, the certificate's PEM and the base64 SHA-256 of its SPKI.
 */
export async function makeTestCertificate(dir, host, name = 'server') {
  const cert = join(dir, `${name}.pem`)
  const key = join(dir, `${name}-key.pem`)
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host},IP:127.0.0.1`,
    '-keyout', key, '-out', cert,
  ])
  const pem = await readFile(cert, 'utf8')
  return { cert, key, pem, spki: spkiHash(pem) }
}

/** Base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as Chromium's switch takes it. */
export function spkiHash(pem) {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(spki).digest('base64')
}

/** GET `url` over HTTPS trusting only `ca` (PEM): `{ status, body }`. */
export function httpsGet(url, ca) {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 5_000 }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)))
    req.on('error', reject)
    req.end()
  })
}
