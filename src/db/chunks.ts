/** Ids per IN list: well under SQLite's and PostgreSQL's limits on bound parameters. */
export const IDS_PER_STATEMENT = 1000
/** Rows per multi-row INSERT: at ten values a row, still under both limits. */
export const ROWS_PER_INSERT = 500

/** `items` in consecutive slices of at most `size`: IN lists and INSERTs within the databases' parameter limits. */
export function chunks<T> (items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size))
  return result
}
