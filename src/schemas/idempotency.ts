import { Type } from 'typebox'
import { errorResponses } from './common.js'
import { answerLostMessage, keyInUseMessage, keyReusedMessage } from './messages.js'

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key'
export const REPLAYED_HEADER = 'Idempotent-Replayed'

const IDEMPOTENCY_KEY_MAX_LENGTH = 255

export const invalidKeyMessage = `The Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters.`

/** 1–255 printable ASCII characters (space included, as in the IETF draft's sf-string). */
export const idempotencyKeyPattern = `^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`

const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
  pattern: idempotencyKeyPattern,
  description: 'Makes a retry safe: the first final answer to a request with this key (2xx or 4xx) is kept for ' +
    '24 hours for the token that sent it, and a retry with the same key, method, path, query and body (compared as ' +
    'parsed: whitespace and key order do not count, array order does) gets that answer ' +
    `again, with \`${REPLAYED_HEADER}: true\`, without running again. The same key with another request is a 422; ` +
    'while the first request is still being answered, a 409; and if it was applied but its answer lost with its ' +
    'process, a 409 for good (until the key expires). A UUID per operation is a good key.',
  examples: ['4f1c1ad6-8a8c-4b8e-9d55-0d2b2f7f0a61']
})

/** The replay header, as an OpenAPI header object (a component of openapi.yaml). */
export const idempotencyHeaders = {
  [REPLAYED_HEADER]: {
    description: 'Present on an answer replayed for a retry with the same `Idempotency-Key`: the operation did not run again.',
    schema: Type.Literal('true')
  }
}

const replayed = { [REPLAYED_HEADER]: { ...idempotencyHeaders[REPLAYED_HEADER].schema, description: idempotencyHeaders[REPLAYED_HEADER].description } }
const retryAfter = { 'Retry-After': Type.Integer({ minimum: 0, description: 'Seconds until a request can succeed again.' }) }

const inProgress = `a request with the same \`Idempotency-Key\` is still being answered: \`{"message": "${keyInUseMessage}"}\`. ` +
  'Try again after `Retry-After` seconds. Or that request was applied but its process stopped before its answer was ' +
  `recorded: \`{"message": "${answerLostMessage}"}\`, and it will not run again.`

interface Response { description?: string, headers?: Record<string, unknown>, [keyword: string]: unknown }

/**
 * Statuses a replay never has: answered before the key is claimed (a bad token, a body or URL
 * refused as it arrives) or never kept (`isStorableStatus`).
 */
const neverReplayed = new Set(['401', '408', '413', '414', '415', '429'])
const replayable = (status: string) => /^[24]\d\d$/.test(status) && !neverReplayed.has(status)

/**
 * The schema of a POST, PATCH or DELETE route that honours `Idempotency-Key`: the request
 * header, the replay header on every answer that can be replayed, the 409 of a key in use
 * (beside a 409 the route has, if any), and the key's 400 and 422.
 */
export function withIdempotency<Schema extends { headers?: unknown, response?: unknown }> (schema: Schema): Schema {
  const headers = schema.headers as { properties?: Record<string, unknown> } | undefined
  const responses = { ...schema.response as Record<string, Response> }
  const defaults: Record<string, Response> = errorResponses(400, 422)
  const badRequest = responses[400] ?? defaults[400]
  const invalid = responses[422] ?? defaults[422]
  const conflict = responses[409]
  responses[400] = { ...badRequest, description: `${badRequest?.description ?? ''} Or an invalid \`Idempotency-Key\`.`.trim() }
  responses[422] = {
    ...invalid,
    description: responses[422] === undefined
      ? `The \`Idempotency-Key\` was already used with a different request: \`{"message": "${keyReusedMessage}", "errors": {"Idempotency-Key": [...]}}\`.`
      : `${invalid?.description ?? ''} Or the \`Idempotency-Key\` was already used with a different request.`
  }
  responses[409] = conflict === undefined
    ? { description: `Conflict: ${inProgress}`, $ref: 'ErrorBody#', headers: retryAfter }
    : { description: `${conflict.description ?? ''} Or ${inProgress}`, anyOf: [conflict, { $ref: 'ErrorBody#' }], headers: { ...conflict.headers, ...retryAfter } }
  for (const [status, response] of Object.entries(responses)) {
    if (replayable(status)) responses[status] = { ...response, headers: { ...response.headers, ...replayed } }
  }
  return {
    ...schema,
    headers: Type.Object({ ...headers?.properties, [IDEMPOTENCY_KEY_HEADER]: Type.Optional(IdempotencyKey) }),
    response: responses
  }
}
