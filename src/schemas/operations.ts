import { errorResponses, withRateLimit } from './common.js'
import { withIdempotency } from './idempotency.js'

type Responses = Record<string, object>
interface OperationSchema { response: Responses, headers?: unknown }

/**
 * The answers any operation may give besides its own: an unexpected failure (500), an overlong
 * URL (414), an unreachable database or a shutdown (503); and one that may carry a body (even one
 * that reads none, such as a DELETE) a malformed, oversized or unsupported one (400, 413, 415).
 * A status the operation declares itself keeps its own description.
 */
export function withSharedErrors<Own extends Responses> (responses: Own, { body }: { body: boolean }): Own {
  const shared: Array<400 | 413 | 414 | 415 | 500 | 503> = body ? [400, 413, 414, 415, 500, 503] : [414, 500, 503]
  return { ...responses, ...errorResponses(...shared.filter((status) => responses[status] === undefined)) }
}

/**
 * Every operation under /api/v1 needs a bearer token, may refuse a customer token (403, Laravel's
 * one text for every refusal, over any the route gives) and counts against the token's rate limit.
 */
function underV1<Schema extends OperationSchema> (schema: Schema): Schema {
  return { ...schema, security: [{ bearerAuth: [] }], response: withRateLimit({ ...schema.response, ...errorResponses(403) }) }
}

/** The schema of a GET under /api/v1: the route's own answers, and those every v1 read shares. */
export function v1Read<Schema extends OperationSchema> (schema: Schema): Schema {
  return underV1({ ...schema, response: withSharedErrors(schema.response, { body: false }) })
}

/**
 * The schema of a POST, PUT, PATCH or DELETE under /api/v1: the route's own answers, those every
 * v1 write shares, and `Idempotency-Key` (which the idempotency plugin honours on every such route).
 */
export function v1Write<Schema extends OperationSchema> (schema: Schema): Schema {
  return underV1(withIdempotency({ ...schema, response: withSharedErrors(schema.response, { body: true }) }))
}
