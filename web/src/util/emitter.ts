// A small typed event emitter, shared by the editor (state the UI mirrors) and
// the mesh (Collab.on). A listener that throws is logged, never allowed to break
// the code that emitted the event; listeners added or removed during an emit
// take effect from the next one.

export class Emitter<Events> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>()

  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (value: never) => void)
    return () => set.delete(listener as (value: never) => void)
  }

  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        ;(listener as (value: Events[K]) => void)(value)
      } catch (error) {
        console.error(`inkmesh: a '${String(event)}' listener threw`, error)
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}
