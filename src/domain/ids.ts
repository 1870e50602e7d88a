/** The largest id either database holds in these tables (PostgreSQL `integer`). */
export const MAX_ID = 2_147_483_647

/** An id some row could have: ids outside this range are not looked up, they name nothing. */
export function isStorableId (id: number): boolean {
  return Number.isSafeInteger(id) && id >= 1 && id <= MAX_ID
}
