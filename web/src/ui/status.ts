// The connection status pill: a coloured dot plus the state in words.

import type { ConnectionStatus } from '../net/collab'

export const STATUS_LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  syncing: 'Syncing…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: your changes are kept on this device',
}

export class StatusPill {
  readonly el: HTMLElement
  private readonly label: HTMLElement

  constructor(doc: Document) {
    this.el = doc.createElement('div')
    this.el.className = 'status'
    this.el.dataset.testid = 'status'
    this.el.setAttribute('role', 'status')
    const dot = doc.createElement('span')
    dot.className = 'status-dot'
    dot.setAttribute('aria-hidden', 'true')
    this.label = doc.createElement('span')
    this.el.append(dot, this.label)
  }

  set(status: ConnectionStatus): void {
    this.el.dataset.status = status
    this.label.textContent = STATUS_LABELS[status]
  }
}
