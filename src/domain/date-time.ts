/**
 * An ISO-8601 date and time with a zone (`Z` or an offset), as the `at` parameter and the
 * history's time filters take it. Anything else is refused rather than guessed: a time
 * without a zone would depend on the server's. A space where the offset's `+` belongs is
 * read as `+`, because an unencoded `+` in a query string arrives as a space.
 * Fractions finer than a millisecond are dropped (times are stored to the millisecond),
 * which compares exactly: a row at `.001` is after `.0009`, and after `.000`.
 */
const dateTime = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+\- ])(\d{2}):?(\d{2}))$/

export function parseDateTime (text: string): Date | undefined {
  const match = dateTime.exec(text)
  if (match === null) return undefined
  const [, year, month, day, hour, minute, second = '0', fraction = '', zulu, sign, offsetHours = '0', offsetMinutes = '0'] = match
  const y = Number(year)
  const mo = Number(month)
  const d = Number(day)
  const h = Number(hour)
  const mi = Number(minute)
  const s = Number(second)
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return undefined
  const oh = Number(offsetHours)
  const om = Number(offsetMinutes)
  if (oh > 23 || om > 59) return undefined
  const offset = zulu !== undefined ? 0 : (sign === '-' ? -1 : 1) * (oh * 60 + om)
  const milliseconds = Number(fraction.padEnd(3, '0').slice(0, 3))
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi - offset, s, milliseconds)
  return Number.isNaN(date.getTime()) ? undefined : date
}

function daysIn (year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

function isLeap (year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}
