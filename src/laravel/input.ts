/**
 * Laravel's global middleware TrimStrings and ConvertEmptyStringsToNull, applied to
 * request input before validation: every string is trimmed and an empty string
 * becomes null. Password fields are left exactly as sent, as Laravel does.
 */
const untrimmedKeys = new Set(['password', 'password_confirmation', 'current_password'])

export function normalizeInput (value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && untrimmedKeys.has(key)) return value
    const trimmed = value.trim()
    return trimmed === '' ? null : trimmed
  }
  if (Array.isArray(value)) return value.map((item) => normalizeInput(item))
  if (value !== null && typeof value === 'object') {
    const normalized: Record<string, unknown> = {}
    for (const [entryKey, entry] of Object.entries(value)) {
      if (entryKey === '__proto__') continue
      normalized[entryKey] = normalizeInput(entry, entryKey)
    }
    return normalized
  }
  return value
}

/** Laravel's `boolean` rule accepts true, false, 1, 0, "1" and "0". */
export function toBoolean (value: boolean | 0 | 1 | '0' | '1'): boolean {
  return value === true || value === 1 || value === '1'
}
