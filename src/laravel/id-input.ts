import type { ErrorBag } from './validation-messages.js'

const PHP_INT_MIN = -(2n ** 63n)
const PHP_INT_MAX = 2n ** 63n - 1n
// FILTER_VALIDATE_INT's own trim, on top of TrimStrings': space, \t, \r, \v, \n.
const filterWhitespace = /^[ \t\r\v\n]+|[ \t\r\v\n]+$/g
const decimalInteger = /^[+-]?(0|[1-9][0-9]*)$/

/**
 * An id in a body as Laravel's `integer` rule reads it, or undefined when the rule refuses it.
 * A string is read as PHP's `filter_var($v, FILTER_VALIDATE_INT)` does: an optional sign, then
 * `0` or digits not starting with 0, within PHP's 64-bit range (`"-0"` is 0). A JSON number
 * counts when it is whole. Booleans are refused, although PHP reads `true` as 1: an id sent as
 * `true` is a client's mistake, not an id. Whatever is read may still name no row.
 */
export function readId (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined
  if (typeof value !== 'string') return undefined
  const text = value.replace(filterWhitespace, '')
  if (!decimalInteger.test(text)) return undefined
  const exact = BigInt(text)
  if (exact < PHP_INT_MIN || exact > PHP_INT_MAX) return undefined
  return Number(exact)
}

/** One element of an id list in a body, named as Laravel names it (`services.2`); `id` is undefined when it is not an integer. */
export interface GivenId {
  readonly field: string
  readonly id: number | undefined
}

/** The elements of a list of ids, read one by one; anything but a list gives none (the schema names that error). */
export function readIdList (list: string, values: unknown): GivenId[] {
  if (!Array.isArray(values)) return []
  return values.map((value, index) => ({ field: `${list}.${index}`, id: readId(value) }))
}

/** The ids that were read, each once. */
export function readIds (given: readonly GivenId[]): number[] {
  return [...new Set(given.flatMap(({ id }) => id === undefined ? [] : [id]))]
}

/**
 * Laravel's messages for one element validated `integer` then `exists`: the type error alone when
 * it is not an integer (Laravel skips `exists` on a field that already failed), otherwise the
 * existence error when it names no row.
 */
export function givenIdMessages ({ field, id }: GivenId, unknownIds: ReadonlySet<number>): string[] {
  if (id === undefined) return [`The ${field} field must be an integer.`]
  return unknownIds.has(id) ? [`The selected ${field} is invalid.`] : []
}

/** The bag of a list of ids: each element that is not an integer or names no row, in the order given. */
export function givenIdErrors (given: readonly GivenId[], unknownIds: ReadonlySet<number>): ErrorBag {
  const errors: ErrorBag = {}
  for (const element of given) {
    const messages = givenIdMessages(element, unknownIds)
    if (messages.length > 0) errors[element.field] = messages
  }
  return errors
}
