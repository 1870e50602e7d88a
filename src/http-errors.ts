import createError from '@fastify/error'
import { summarizeErrors, type ErrorBag } from './laravel/validation-messages.js'
import {
  answerLostMessage,
  forbiddenMessage,
  invalidCredentialsMessage,
  keyInUseMessage,
  tooManyAttemptsMessage,
  unauthenticatedMessage
} from './schemas/messages.js'

/**
 * Errors that answer a client's request (4xx) are answers, not faults: their stack is never
 * logged, and capturing it took about a tenth of the CPU time of a 401 or a feature check's 404.
 */
function clientError<Args extends unknown[] = []> (code: string, message: string, statusCode: number) {
  return createError<Args>(code, message, statusCode, Error, false)
}

/** Errors a handler throws; the root error handler turns each into the contract's JSON. */
export const UnauthenticatedError = clientError('CS_UNAUTHENTICATED', unauthenticatedMessage, 401)
export const InvalidCredentialsError = clientError('CS_INVALID_CREDENTIALS', invalidCredentialsMessage, 401)
export const ForbiddenError = clientError('CS_FORBIDDEN', forbiddenMessage, 403)
export const TooManyAttemptsError = clientError('CS_TOO_MANY_ATTEMPTS', tooManyAttemptsMessage, 429)
export const InvalidQueryError = clientError<[string]>('CS_INVALID_QUERY', '%s', 400)

const NotFound = clientError<[string]>('CS_NOT_FOUND', '%s', 404)

/** Laravel's wording for a route-model binding that found nothing. */
export class ModelNotFoundError extends NotFound {
  constructor (model: 'Customer' | 'CustomerService', identifier: string | number) {
    super(`No query results for model [App\\Models\\${model}] ${identifier}`)
  }
}

/** The service exists, but the customer does not have it. */
export class NotAssignedError extends NotFound {
  constructor (customerId: number, serviceKey: string) {
    super(`Customer ${customerId} does not have the service ${serviceKey}.`)
  }
}

const Conflict = clientError<[string]>('CS_CONFLICT', '%s', 409)

export class ServiceInUseError extends Conflict {
  readonly customersCount: number

  constructor (customersCount: number) {
    super(`The customer service is still assigned to ${customersCount} ${customersCount === 1 ? 'customer' : 'customers'}.`)
    this.customersCount = customersCount
  }
}

/** Another request with the same Idempotency-Key is still being answered. */
export const RequestInProgressError = clientError('CS_REQUEST_IN_PROGRESS', keyInUseMessage, 409)
/** The request with this key was applied, but its answer was lost with its process: it must not run again. */
export const AnswerLostError = clientError('CS_ANSWER_LOST', answerLostMessage, 409)

const Unprocessable = clientError<[string]>('CS_VALIDATION', '%s', 422)

/** A 422 in Laravel's shape: `message` summarizes, `errors` lists every field's messages. */
export class ValidationFailedError extends Unprocessable {
  readonly errors: ErrorBag

  constructor (errors: ErrorBag) {
    super(summarizeErrors(errors))
    this.errors = errors
  }
}

export const BadRequestError = clientError<[string]>('CS_BAD_REQUEST', '%s', 400)
