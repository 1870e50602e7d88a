/** `items` in consecutive slices of at most `size`: IN lists and INSERTs within the databases' parameter limits. */
export function chunks<T> (items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size))
  return result
}
