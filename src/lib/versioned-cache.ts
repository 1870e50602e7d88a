/**
 * Answers computed from data at one version, kept while the data stays at it: a new
 * version empties the cache at once. Bounded by the bytes of text it holds (a value's
 * `length`); the oldest entries go first.
 */
export class VersionedCache<Value extends { readonly length: number } = string> {
  readonly #entries = new Map<string, Value>()
  #version: string | null = null
  #bytes = 0

  constructor (
    private readonly maxBytes: number,
    private readonly maxEntryBytes: number
  ) {}

  get (key: string, version: string): Value | undefined {
    if (version !== this.#version) {
      this.#reset(version)
      return undefined
    }
    return this.#entries.get(key)
  }

  /** `version` is the one read before the text was computed from the data. */
  set (key: string, version: string, text: Value): void {
    if (version !== this.#version) return
    const bytes = text.length
    if (bytes > this.maxEntryBytes) return
    const previous = this.#entries.get(key)
    if (previous !== undefined) {
      this.#entries.delete(key)
      this.#bytes -= previous.length
    }
    while (this.#bytes + bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, Value]
      this.#entries.delete(oldestKey)
      this.#bytes -= oldest.length
    }
    this.#entries.set(key, text)
    this.#bytes += bytes
  }

  get size (): number {
    return this.#entries.size
  }

  get bytes (): number {
    return this.#bytes
  }

  #reset (version: string): void {
    this.#entries.clear()
    this.#bytes = 0
    this.#version = version
  }
}
