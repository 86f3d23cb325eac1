// The connection status pill: a coloured dot plus the state in words, a
// polite live region, changed only when the words change so a screen reader
// hears each new state once.

import type { ConnectionStatus } from '../collab/port'

export const STATUS_LABELS: Record<Exclude<ConnectionStatus, 'server-unreachable'>, string> = {
  connecting: 'Connecting…',
  syncing: 'Syncing…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: your changes are kept on this device',
  deleted: 'This board was deleted',
}

/**
 * The words for a status. `directPeers` names the members we still draw live
 * with when the server is unreachable (the first by name, the rest counted).
 */
export function statusLabel(status: ConnectionStatus, directPeers: readonly string[]): string {
  if (status !== 'server-unreachable') return STATUS_LABELS[status]
  const [first, ...rest] = directPeers
  const others = rest.length === 0 ? '' : ` and ${rest.length} other${rest.length === 1 ? '' : 's'}`
  const whom = first === undefined ? 'your peers' : `${shortName(first)}${others}`
  return `Server unreachable: drawing live with ${whom}; changes kept on this device`
}

/** Names are up to 256 characters; the pill is one line. */
const MAX_NAME_SHOWN = 40

function shortName(name: string): string {
  const chars = Array.from(name)
  return chars.length > MAX_NAME_SHOWN ? `${chars.slice(0, MAX_NAME_SHOWN - 1).join('')}…` : name
}

export class StatusPill {
  readonly el: HTMLElement
  private readonly label: HTMLElement

  constructor(doc: Document) {
    this.el = doc.createElement('div')
    this.el.className = 'status'
    this.el.dataset.testid = 'status'
    this.el.setAttribute('role', 'status')
    this.el.setAttribute('aria-live', 'polite')
    this.el.setAttribute('aria-atomic', 'true')
    const dot = doc.createElement('span')
    dot.className = 'status-dot'
    dot.setAttribute('aria-hidden', 'true')
    this.label = doc.createElement('span')
    this.el.append(dot, this.label)
  }

  set(status: ConnectionStatus, directPeers: readonly string[]): void {
    this.el.dataset.status = status
    const label = statusLabel(status, directPeers)
    if (this.label.textContent !== label) this.label.textContent = label
  }
}
