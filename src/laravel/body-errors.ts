import type { ErrorObject } from 'ajv'
import type { FastifyRequest } from 'fastify'
import { laravelErrorBag, type ErrorBag } from './validation-messages.js'

/**
 * The body's schema errors as a bag, on a route that validates with `attachValidation` so that
 * its handler can join them with the errors only it can find (ids that name no row), in one
 * 422 as Laravel's bag has them. Any other failure (path, query, headers, a body that is no
 * JSON object) is thrown, for the root error handler to answer as on every route.
 */
export function bodySchemaErrors (request: FastifyRequest): ErrorBag {
  const error = request.validationError
  if (error === undefined) return {}
  if (error.validationContext !== 'body') throw error
  const bag = laravelErrorBag(error.validation as ErrorObject[])
  if (bag[''] !== undefined) throw error
  return bag
}
