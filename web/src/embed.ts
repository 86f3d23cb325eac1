// The embeddable module (dist/inkmesh.js): `mount()` for code, and the
// `<inkmesh-board>` custom element for markup. Both put the board in a shadow
// root so the host page's styles and ours stay apart.
//
//   <script type="module" src="https://board.example.com/inkmesh.js"></script>
//   <inkmesh-board room="team-plan" token="..." theme="dark"></inkmesh-board>

import { mount, type BoardHandle, type MediaPerson, type MountOptions } from './mount'

export { mount }
export type { BoardHandle, MediaPerson, MountOptions }

const ATTRIBUTES = ['server', 'room', 'token', 'read-only', 'theme', 'name', 'relay', 'no-media'] as const

/** `<inkmesh-board room token server read-only theme name relay no-media>`: remounts when an attribute changes. */
export class InkmeshBoardElement extends HTMLElement {
  static observedAttributes = [...ATTRIBUTES]
  #handle: BoardHandle | undefined
  #container: HTMLDivElement | undefined

  /** The mounted board (exportSVG, exportPNG, ...), once connected with a room. */
  get board(): BoardHandle | undefined {
    return this.#handle
  }

  connectedCallback(): void {
    if (this.shadowRoot === null) {
      const shadow = this.attachShadow({ mode: 'open' })
      const style = document.createElement('style')
      style.textContent = ':host { display: block; position: relative; min-height: 300px; } div { position: absolute; inset: 0; }'
      this.#container = document.createElement('div')
      shadow.append(style, this.#container)
    }
    this.#remount()
  }

  disconnectedCallback(): void {
    this.#handle?.destroy()
    this.#handle = undefined
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.#remount()
  }

  #remount(): void {
    this.#handle?.destroy()
    this.#handle = undefined
    const room = this.getAttribute('room')
    if (room === null || this.#container === undefined) return
    const options: MountOptions = { room, readOnly: this.hasAttribute('read-only'), relay: this.hasAttribute('relay'), media: !this.hasAttribute('no-media') }
    const server = this.getAttribute('server')
    const token = this.getAttribute('token')
    const theme = this.getAttribute('theme')
    const name = this.getAttribute('name')
    if (server !== null) options.server = server
    if (token !== null) options.token = token
    if (theme === 'dark' || theme === 'light') options.theme = theme
    if (name !== null) options.name = name
    this.#handle = mount(this.#container, {
      ...options,
      onChange: (change) => this.dispatchEvent(new CustomEvent('change', { detail: change })),
      onPresence: (presence, people) => {
        this.dispatchEvent(new CustomEvent('presence', { detail: presence }))
        // onPresence's second argument, as an event of its own: `presence`'s detail stays the map it always was.
        this.dispatchEvent(new CustomEvent('people', { detail: people }))
      },
    })
  }
}

if (typeof customElements !== 'undefined' && customElements.get('inkmesh-board') === undefined) {
  customElements.define('inkmesh-board', InkmeshBoardElement)
}
