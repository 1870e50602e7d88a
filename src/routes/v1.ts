import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import assignmentChangeRoutes from './assignment-changes.js'
import assignmentRoutes from './assignments.js'
import bulkAssignmentRoutes from './bulk-assignment.js'
import customerServiceRoutes from './customer-services.js'
import customerTokenRoutes from './customer-tokens.js'
import customerRoutes from './customers.js'
import eventRoutes from './events.js'
import historyRoutes from './history.js'
import { errorResponses, withRateLimit } from '../schemas/common.js'

/**
 * Everything under /api/v1 needs a bearer token; the check runs before anything else,
 * then the token's rate limit, as Laravel's `auth` and `throttle` middleware do, then
 * what the token may do (a customer token: its routes and its customer only), and only
 * then may a read be answered from the answer cache, or a write's retry from its stored
 * answer (`Idempotency-Key`).
 */
const v1: FastifyPluginAsyncTypebox<{ tokenTtlSeconds: number }> = async (app, options) => {
  app.addHook('onRequest', app.auth([app.verifyBearer]))
  app.addHook('onRequest', app.throttleToken)
  app.addHook('onRequest', app.authorize)
  if (app.answerCache !== null) {
    app.addHook('onRequest', app.answerCache.serve)
    app.addHook('onSend', app.answerCache.store)
  }
  // Before the rate limit's onRoute, which adds its headers to the answers this one adds.
  app.addHook('onRoute', app.idempotency.protect)
  app.addHook('onRoute', (route) => {
    // Any route may refuse a customer token.
    const response = withRateLimit({ ...route.schema?.response as Record<string, object>, ...errorResponses(403) })
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }], response }
  })
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
