// Adding a DOM listener hands back its removal, so each part of the board view
// collects what it added and takes all of it away on destroy.

export function listen<K extends keyof HTMLElementEventMap>(
  target: HTMLElement,
  type: K,
  fn: (e: HTMLElementEventMap[K]) => void,
  opts?: AddEventListenerOptions,
): () => void {
  target.addEventListener(type, fn, opts)
  return () => target.removeEventListener(type, fn, opts)
}
