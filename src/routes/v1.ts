import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import assignmentRoutes from './assignments.js'
import customerServiceRoutes from './customer-services.js'
import customerRoutes from './customers.js'

/**
 * Everything under /api/v1 needs a bearer token; the check runs before anything else,
 * and before a read is answered from the answer cache.
 */
const v1: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.auth([app.verifyBearer]))
  if (app.answerCache !== null) {
    app.addHook('onRequest', app.answerCache.serve)
    app.addHook('onSend', app.answerCache.store)
  }
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] }
  })
  await app.register(customerServiceRoutes, { prefix: '/customer-services' })
  await app.register(customerRoutes, { prefix: '/customers' })
  await app.register(assignmentRoutes, { prefix: '/customers' })
}

export default v1
