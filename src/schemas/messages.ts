/**
 * The `message` of the contract's error answers, word for word as Laravel writes them: the
 * errors that send them and the schemas that document them both read them here.
 */
export const unauthenticatedMessage = 'Unauthenticated.'
export const invalidCredentialsMessage = 'Invalid credentials.'
/** Laravel's wording when a policy or gate refuses. */
export const forbiddenMessage = 'This action is unauthorized.'
export const tooManyAttemptsMessage = 'Too Many Attempts.'
export const serverErrorMessage = 'Server Error'
export const unavailableMessage = 'Service Unavailable'

export const keyInUseMessage = 'A request with this Idempotency-Key is still being processed.'
export const answerLostMessage = 'A request with this Idempotency-Key was applied, but its answer was not recorded; read the resource to see its state.'
export const keyReusedMessage = 'The Idempotency-Key was already used with a different request.'

export const preconditionFailedMessage = "The customer's services have changed since you read them."
