import qs from 'qs'
import { normalizeInput } from './input.js'

/**
 * Query strings as PHP reads them: bracket notation builds arrays and maps
 * (`filter[name]=a`, `ids[]=1&ids[]=2`), a repeated plain key keeps its last value.
 * Values are then trimmed and empty ones become null, as Laravel's middleware does.
 */
export function parsePhpQuery (query: string): Record<string, unknown> {
  const parsed = plainQuery.test(query) ? parsePlainQuery(query) : qs.parse(query, qsOptions)
  return normalizeInput(parsed) as Record<string, unknown>
}

const PARAMETER_LIMIT = 1000

const qsOptions = {
  duplicates: 'last',
  depth: 8,
  parameterLimit: PARAMETER_LIMIT,
  arrayLimit: 100,
  allowPrototypes: false,
  ignoreQueryPrefix: true
} as const

/** Nothing to decode and no brackets: what most requests send (`sort=name&page=2`). */
const plainQuery = /^[^[\]%+]*$/

/**
 * What `qs.parse` answers with the options above for a plain query, in a fraction of its
 * time: the last value of each key, keys of `Object.prototype` and empty keys left out.
 * A property test holds the two equal.
 */
export function parsePlainQuery (query: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const part of query.replace(/^\?/, '').split('&', PARAMETER_LIMIT)) {
    const equals = part.indexOf('=')
    const key = equals === -1 ? part : part.slice(0, equals)
    if (key === '' || Object.hasOwn(Object.prototype, key)) continue
    result[key] = equals === -1 ? '' : part.slice(equals + 1)
  }
  return result
}

/** PHP's `http_build_query` (RFC 3986 encoding), leaving out null values as it does. */
export function buildPhpQuery (parameters: Record<string, unknown>): string {
  return qs.stringify(parameters, { format: 'RFC3986', skipNulls: true, arrayFormat: 'indices' })
}
