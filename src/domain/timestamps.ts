/**
 * Laravel serializes dates as ISO-8601 UTC with six fractional digits
 * (`2026-11-28T16:43:17.000000Z`). JavaScript clocks have millisecond precision,
 * so the last three digits are always zero.
 */
export function toLaravelTimestamp (value: Date | string): string {
  // Stored by this application as `toISOString()` text: reformat without a Date.
  if (typeof value === 'string' && storedForm.test(value)) return `${value.slice(0, 23)}000Z`
  const date = value instanceof Date ? value : new Date(value)
  const iso = date.toISOString()
  return `${iso.slice(0, 23)}000Z`
}

const storedForm = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** The form timestamps are written in, on both databases: ISO-8601 UTC, milliseconds. */
export function toStoredTimestamp (date: Date): string {
  return date.toISOString()
}

/**
 * A time as it is compared with stored ones: stored text sorts as time only for years
 * 0000–9999, so a time outside them is brought to the nearest end (which changes no answer).
 */
export function toStoredBound (date: Date): string {
  if (date.getTime() > Date.UTC(9999, 11, 31, 23, 59, 59, 999)) return '9999-12-31T23:59:59.999Z'
  if (date.getTime() < Date.parse('0000-01-01T00:00:00.000Z')) return '0000-01-01T00:00:00.000Z'
  return toStoredTimestamp(date)
}
