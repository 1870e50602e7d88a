import createError from '@fastify/error'
import { summarizeErrors, type ErrorBag } from './domain/validation-messages.js'

/** Errors a handler throws; the root error handler turns each into the contract's JSON. */
export const UnauthenticatedError = createError('CS_UNAUTHENTICATED', 'Unauthenticated.', 401)
export const InvalidCredentialsError = createError('CS_INVALID_CREDENTIALS', 'Invalid credentials.', 401)
/** Laravel's wording when a policy or gate refuses. */
export const ForbiddenError = createError('CS_FORBIDDEN', 'This action is unauthorized.', 403)
export const TooManyAttemptsError = createError('CS_TOO_MANY_ATTEMPTS', 'Too Many Attempts.', 429)
export const InvalidQueryError = createError<[string]>('CS_INVALID_QUERY', '%s', 400)

const NotFound = createError<[string]>('CS_NOT_FOUND', '%s', 404)

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

const Conflict = createError<[string]>('CS_CONFLICT', '%s', 409)

export class ServiceInUseError extends Conflict {
  readonly customersCount: number

  constructor (customersCount: number) {
    super(`The customer service is still assigned to ${customersCount} ${customersCount === 1 ? 'customer' : 'customers'}.`)
    this.customersCount = customersCount
  }
}

/** Another request with the same Idempotency-Key is still being answered. */
export const RequestInProgressError = createError('CS_REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed.', 409)

const Unprocessable = createError<[string]>('CS_VALIDATION', '%s', 422)

/** A 422 in Laravel's shape: `message` summarizes, `errors` lists every field's messages. */
export class ValidationFailedError extends Unprocessable {
  readonly errors: ErrorBag

  constructor (errors: ErrorBag) {
    super(summarizeErrors(errors))
    this.errors = errors
  }
}

export const BadRequestError = createError<[string]>('CS_BAD_REQUEST', '%s', 400)
