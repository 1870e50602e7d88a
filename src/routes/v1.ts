import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import assignmentRoutes from './assignments.js'
import customerServiceRoutes from './customer-services.js'
import customerRoutes from './customers.js'
import eventRoutes from './events.js'
import historyRoutes from './history.js'
import { withRateLimit } from '../schemas/common.js'

/**
 * Everything under /api/v1 needs a bearer token; the check runs before anything else,
 * then the token's rate limit, as Laravel's `auth` and `throttle` middleware do, and only
 * then may a read be answered from the answer cache, or a write's retry from its stored
 * answer (`Idempotency-Key`).
 */
const v1: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.auth([app.verifyBearer]))
  app.addHook('onRequest', app.throttleToken)
  if (app.answerCache !== null) {
    app.addHook('onRequest', app.answerCache.serve)
    app.addHook('onSend', app.answerCache.store)
  }
  // Before the rate limit's onRoute, which adds its headers to the answers this one adds.
  app.addHook('onRoute', app.idempotency.protect)
  app.addHook('onRoute', (route) => {
    const response = withRateLimit(route.schema?.response as Record<string, object>)
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }], response }
  })
  await app.register(customerServiceRoutes, { prefix: '/customer-services' })
  await app.register(customerRoutes, { prefix: '/customers' })
  await app.register(assignmentRoutes, { prefix: '/customers' })
  await app.register(historyRoutes)
  await app.register(eventRoutes, { prefix: '/events' })
}

export default v1
