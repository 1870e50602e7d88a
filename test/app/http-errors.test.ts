import t from 'tap'
import * as errors from '../../src/http-errors.js'

t.test('client errors carry their status and message, and no stack: capturing one was a tenth of a 401\'s CPU', async (t) => {
  const made = [
    new errors.UnauthenticatedError(),
    new errors.ForbiddenError(),
    new errors.ModelNotFoundError('Customer', 7),
    new errors.NotAssignedError(7, 'vpn'),
    new errors.ServiceInUseError(2),
    new errors.ValidationFailedError({ name: ['The name field is required.'] }),
    new errors.BadRequestError('Bad.')
  ]
  t.same(made.map((error) => error.statusCode), [401, 403, 404, 404, 409, 422, 400])
  t.equal(made[2]?.message, 'No query results for model [App\\Models\\Customer] 7')
  for (const error of made) {
    t.ok(error instanceof Error, `${error.code} is an Error`)
    t.equal(error.stack, undefined, `${error.code} has no stack`)
  }
})
