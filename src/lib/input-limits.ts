/** Deeper JSON than any client of this API sends; PHP's own json_decode stops at 512. */
export const MAX_JSON_DEPTH = 64

/** How deeply arrays and objects nest in a parsed JSON value, counted without recursion. */
export function nestingDepth (value: unknown): number {
  let deepest = 0
  const pending: Array<[unknown, number]> = [[value, 1]]
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number]
    if (current === null || typeof current !== 'object') continue
    deepest = Math.max(deepest, depth)
    for (const child of Object.values(current)) pending.push([child, depth + 1])
  }
  return deepest
}

/** Whether a NUL character hides in any string or key; databases refuse them in text. */
export function containsNul (value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const current = pending.pop()
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return true
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (key.includes('\u0000')) return true
        pending.push(child)
      }
    }
  }
  return false
}
