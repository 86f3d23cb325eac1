// A minimal typed event emitter for editor state changes the UI mirrors.

export class Emitter<Events> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>()

  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (value: never) => void)
    return () => set.delete(listener as (value: never) => void)
  }

  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) (l as (value: Events[K]) => void)(value)
  }

  clear(): void {
    this.listeners.clear()
  }
}
