import fp from 'fastify-plugin'
import { REQUEST_ID_HEADER } from '../logging.js'

/** Every answer names its request id, so a client can quote it and an operator find its log lines. */
export default fp(async (app) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
}, { name: 'request-id' })
