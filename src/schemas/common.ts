import { Type, type TSchema } from 'typebox'
import { MAX_ID } from '../domain/ids.js'
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from '../laravel/list-query.js'
import { forbiddenMessage, serverErrorMessage, tooManyAttemptsMessage, unauthenticatedMessage, unavailableMessage } from './messages.js'

export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID, examples: [42] })

/**
 * An id in a request body, as Laravel's `integer` rule takes it. Any JSON value passes the schema:
 * the route reads each one and names those that are not ids, or name no row, in one 422.
 */
export const IdInput = Type.Unknown({
  description: 'An id: a JSON integer, or a string Laravel\'s `integer` rule accepts (`"3"`, `"+3"`; not `"03"`, ' +
    '`"3.0"`, `"0x3"`, `"3e0"`). Booleans are refused.',
  examples: [3, '3']
})

export const Timestamp = Type.String({
  format: 'date-time',
  description: 'UTC, ISO-8601 with six fractional digits, as Laravel writes it.',
  examples: ['2026-11-28T16:43:17.000000Z']
})

export const ErrorBody = Type.Object({
  message: Type.String({ examples: [unauthenticatedMessage] })
}, { $id: 'ErrorBody', description: 'Every error answer carries at least a message.' })

export const ValidationErrorBody = Type.Object({
  message: Type.String({ examples: ['The services field is required. (and 1 more error)'] }),
  errors: Type.Record(Type.String(), Type.Array(Type.String()), {
    examples: [{ services: ['The services field is required.'] }]
  })
}, { $id: 'ValidationErrorBody', description: "Laravel's validation error: the first message, and every failing field's messages." })

export const PageLink = Type.Object({
  url: Type.Union([Type.String(), Type.Null()]),
  label: Type.String(),
  active: Type.Boolean()
})

function pageExample (path: string, item: unknown) {
  const url = `http://localhost:3000/api/v1/${path}?page=1`
  return {
    current_page: 1,
    data: [item],
    first_page_url: url,
    from: 1,
    last_page: 1,
    last_page_url: url,
    links: [
      { url: null, label: '&laquo; Previous', active: false },
      { url, label: '1', active: true },
      { url: null, label: 'Next &raquo;', active: false }
    ],
    next_page_url: null,
    path: `http://localhost:3000/api/v1/${path}`,
    per_page: DEFAULT_PER_PAGE,
    prev_page_url: null,
    to: 1,
    total: 1
  }
}

/** Laravel's length-aware paginator; property order is the wire order. */
export function Paginated<Item extends TSchema> (item: Item, description: string, example: { path: string, item: unknown }) {
  const nullableInteger = Type.Union([Type.Integer(), Type.Null()])
  const nullableUrl = Type.Union([Type.String({ format: 'uri' }), Type.Null()])
  return Type.Object({
    current_page: Type.Integer({ minimum: 1 }),
    data: Type.Array(item),
    first_page_url: Type.String({ format: 'uri' }),
    from: nullableInteger,
    last_page: Type.Integer({ minimum: 1 }),
    last_page_url: Type.String({ format: 'uri' }),
    links: Type.Array(PageLink),
    next_page_url: nullableUrl,
    path: Type.String({ format: 'uri' }),
    per_page: Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE }),
    prev_page_url: nullableUrl,
    to: nullableInteger,
    total: Type.Integer({ minimum: 0 })
  }, { description, examples: [pageExample(example.path, example.item)] })
}

/**
 * The list query as documented. Any value is accepted on the wire (an invalid page
 * means page 1, as in Laravel); a hook brings the query to this form first.
 */
export function ListQuerystring (filters: readonly string[], sorts: readonly string[]) {
  const filterProperties = Object.fromEntries(filters.map((name) => [name, Type.Optional(Type.String({
    description: `Case-insensitive substring of \`${name}\`; a comma separates alternatives.`
  }))]))
  return Type.Object({
    filter: Type.Optional(Type.Object(filterProperties, {
      description: `Bracketed filters (\`filter[${filters[0] ?? 'name'}]=value\`); different filters must all match.`
    })),
    sort: Type.Optional(Type.String({
      description: `Comma-separated fields among ${sorts.join(', ')}; a leading \`-\` sorts descending. Ties are broken by id.`,
      pattern: `^-?(${sorts.join('|')})(,-?(${sorts.join('|')}))*$`,
      examples: ['-created_at,name']
    })),
    ...pageParameters()
  })
}

/** `page` and `per_page`, as every list takes them (a new object each time: no YAML anchors in the spec). */
export function pageParameters () {
  return {
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'A value that is not a positive integer means 1; a page past the end is empty.' })),
    per_page: Type.Optional(Type.Integer({
      minimum: 1,
      maximum: MAX_PER_PAGE,
      default: DEFAULT_PER_PAGE,
      description: `Larger values are capped at ${MAX_PER_PAGE}.`
    }))
  }
}

export const Deleted = Type.Null({ description: 'Deleted; the answer has no body.' })

/** Schemas shared by many routes: registered once, and named components in openapi.yaml. */
export const sharedSchemas = [ErrorBody, ValidationErrorBody]

const errorDescriptions = {
  400: 'Malformed request: invalid JSON, a body that is not an object, NUL characters, or an unknown filter or sort.',
  401: `Missing, malformed, unknown, revoked or expired token: \`{"message": "${unauthenticatedMessage}"}\`.`,
  403: 'A customer token asked for what it may not do (an admin-only route, another customer, a service without ' +
    `\`can_be_enabled\`): \`{"message": "${forbiddenMessage}"}\`.`,
  404: 'No such record: `{"message": "No query results for model [App\\Models\\Customer] 42"}`.',
  413: 'The request body is larger than 1 MiB.',
  414: 'The request URL is longer than 8 KiB, or one of its path segments longer than 200 characters.',
  415: 'The body is neither JSON nor form-encoded.',
  422: 'Validation failed: the first message, and each failing field\'s messages, as Laravel writes them.',
  429: `Too many requests: \`{"message": "${tooManyAttemptsMessage}"}\`. \`Retry-After\` says in how many seconds to try again.`,
  500: `An unexpected failure: \`{"message": "${serverErrorMessage}"}\`, with no detail.`,
  503: `The database cannot be reached (or stayed locked), or the server is shutting down: \`{"message": "${unavailableMessage}"}\`. Try again later.`
} as const

/** Error answers a route can give, each a reference to the shared error shape. */
export function errorResponses (...statuses: Array<keyof typeof errorDescriptions>) {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: errorDescriptions[status],
    $ref: status === 422 ? 'ValidationErrorBody#' : 'ErrorBody#'
  }]))
}

/**
 * The rate-limit headers, as OpenAPI header objects (components of openapi.yaml). The
 * first two are sent on every answer a rate limit has counted: not on one refused before
 * (a bad token, an overlong URL); the other two on a 429.
 */
export const rateLimitHeaders = {
  'X-RateLimit-Limit': { description: 'Requests allowed in the current minute.', schema: Type.Integer({ minimum: 1 }) },
  'X-RateLimit-Remaining': { description: 'Requests left in the current minute.', schema: Type.Integer({ minimum: 0 }) },
  'Retry-After': { description: 'Seconds until a request can succeed again.', schema: Type.Integer({ minimum: 0 }) },
  'X-RateLimit-Reset': { description: 'When a request can succeed again, in Unix seconds.', schema: Type.Integer({ minimum: 0 }) }
}

/** Headers as a route's response schema declares them. */
function responseHeaders (...names: Array<keyof typeof rateLimitHeaders>) {
  return Object.fromEntries(names.map((name) => [name, { ...rateLimitHeaders[name].schema, description: rateLimitHeaders[name].description }]))
}

/** The answers of a rate-limited operation: they may carry the rate-limit headers, and a 429 is added. */
export function withRateLimit<Responses extends Record<string, object>> (responses: Responses): Responses {
  const headers = responseHeaders('X-RateLimit-Limit', 'X-RateLimit-Remaining')
  const counted = Object.fromEntries(Object.entries(responses).map(([status, response]) =>
    [status, status === '414' ? response : { ...response, headers: { ...(response as { headers?: object }).headers, ...headers } }]))
  const tooMany = { ...errorResponses(429)[429], headers: responseHeaders('X-RateLimit-Limit', 'X-RateLimit-Remaining', 'Retry-After', 'X-RateLimit-Reset') }
  const answers: Record<string, object> = { ...counted, 429: tooMany }
  return answers as Responses
}

/** The errors every route with a JSON body can give, besides its own. */
export const bodyErrorStatuses = [400, 413, 415, 422] as const
