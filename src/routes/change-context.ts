import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { ChangeContext } from '../db/queries/change-log.js'

/** The headers of every route that changes assignments: the reason history records. */
export const ReasonHeaders = Type.Object({
  'x-reason': Type.Optional(Type.String({
    maxLength: 255,
    description: 'Why the change is made, kept in the assignment history and the change events (at most 255 characters).',
    examples: ['Upgrade requested in ticket #4711']
  }))
})

/**
 * Who is making this request's changes, and why, as the history records it; and the claim of
 * its Idempotency-Key, if it holds one, which its writes mark applied in their transaction.
 */
export function changeContextOf (request: FastifyRequest, at = new Date()): ChangeContext {
  const reason = request.headers['x-reason']
  return {
    userId: request.user?.id ?? null,
    tokenId: request.tokenId,
    reason: typeof reason === 'string' && reason !== '' ? reason : null,
    at,
    idempotencyClaim: request.idempotency?.markApplied ?? undefined
  }
}
