/** The largest id either database holds in these tables (PostgreSQL `integer`). */
export const MAX_ID = 2_147_483_647

/** An id some row could have: ids outside this range are not looked up, they name nothing. */
export function isStorableId (id: number): boolean {
  return Number.isSafeInteger(id) && id >= 1 && id <= MAX_ID
}

/** The id a path segment names (1 to 10 digits, storable), or undefined: such a segment names nothing. */
export function idFromPath (raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[0-9]{1,10}$/.test(raw)) return undefined
  const id = Number(raw)
  return isStorableId(id) ? id : undefined
}
