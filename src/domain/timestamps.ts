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
