import qs from 'qs'
import { normalizeInput } from './laravel-input.js'

/**
 * Query strings as PHP reads them: bracket notation builds arrays and maps
 * (`filter[name]=a`, `ids[]=1&ids[]=2`), a repeated plain key keeps its last value.
 * Values are then trimmed and empty ones become null, as Laravel's middleware does.
 */
export function parsePhpQuery (query: string): Record<string, unknown> {
  const parsed = qs.parse(query, {
    duplicates: 'last',
    depth: 8,
    parameterLimit: 1000,
    arrayLimit: 100,
    allowPrototypes: false,
    ignoreQueryPrefix: true
  })
  return normalizeInput(parsed) as Record<string, unknown>
}

/** PHP's `http_build_query` (RFC 3986 encoding), leaving out null values as it does. */
export function buildPhpQuery (parameters: Record<string, unknown>): string {
  return qs.stringify(parameters, { format: 'RFC3986', skipNulls: true, arrayFormat: 'indices' })
}
