import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import assignmentChangeRoutes from './assignment-changes.js'
import assignmentRoutes from './assignments.js'
import bulkAssignmentRoutes from './bulk-assignment.js'
import customerServiceRoutes from './customer-services.js'
import customerTokenRoutes from './customer-tokens.js'
import customerRoutes from './customers.js'
import eventRoutes from './events.js'
import historyRoutes from './history.js'

/**
 * Everything under /api/v1 needs a bearer token; the check runs before anything else,
 * then the token's rate limit, as Laravel's `auth` and `throttle` middleware do, then
 * what the token may do (a customer token: its routes and its customer only), and only
 * then may a read be answered from the answer cache, or a write's retry from its stored
 * answer (`Idempotency-Key`).
 *
 * Each route's schema says all it answers: `v1Read` and `v1Write` (src/schemas/operations.ts)
 * add what every route here shares (the token, 403, the rate limit's headers and 429, the
 * request limits, 500 and 503, and on writes `Idempotency-Key`). One hook here reaches into
 * the routes: `idempotency.protect` runs every POST, PUT, PATCH and DELETE through the key's
 * claim, replay and store, as `v1Write` documents (it refuses a write whose schema does not say
 * so). The errors plugin's root onRoute only reads each route's path and method, for the 405.
 */
const v1: FastifyPluginAsyncTypebox<{ tokenTtlSeconds: number }> = async (app, options) => {
  app.addHook('onRequest', app.auth([app.verifyBearer]))
  app.addHook('onRequest', app.throttleToken)
  app.addHook('onRequest', app.authorize)
  if (app.answerCache !== null) {
    app.addHook('onRequest', app.answerCache.serve)
    app.addHook('onSend', app.answerCache.store)
  }
  app.addHook('onRoute', app.idempotency.protect)
  await app.register(customerServiceRoutes, { prefix: '/customer-services' })
  await app.register(bulkAssignmentRoutes, { prefix: '/customer-services' })
  await app.register(customerRoutes, { prefix: '/customers' })
  await app.register(assignmentRoutes, { prefix: '/customers' })
  await app.register(assignmentChangeRoutes, { prefix: '/customers' })
  await app.register(customerTokenRoutes, { prefix: '/customers', tokenTtlSeconds: options.tokenTtlSeconds })
  await app.register(historyRoutes)
  await app.register(eventRoutes, { prefix: '/events' })
}

export default v1
