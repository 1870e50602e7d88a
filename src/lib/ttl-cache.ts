/**
 * A bounded map whose entries expire: at most `capacity` entries (the oldest go
 * first), each kept for `ttlMs` at most, or until its own deadline if sooner.
 */
export class TtlCache<Value> {
  readonly #entries = new Map<string, { value: Value, expiresAt: number }>()

  constructor (
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now
  ) {}

  get (key: string): Value | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set (key: string, value: Value, deadline = Number.POSITIVE_INFINITY): void {
    this.#entries.delete(key)
    if (this.ttlMs <= 0) return
    if (this.#entries.size >= this.capacity) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(key, { value, expiresAt: Math.min(this.now() + this.ttlMs, deadline) })
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  get size (): number {
    return this.#entries.size
  }
}
