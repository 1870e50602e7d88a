import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'

/**
 * Lets `app.close()` finish as soon as the requests in flight are answered. Node's
 * `server.close()` ends the keep-alive connections idle at that moment, but not one that
 * has not sent its first request yet (it waits out the request timeout), nor one whose
 * answer goes out after the close began (it stays open for the keep-alive timeout).
 * The first kind is closed when the close begins; the second is told `Connection: close`
 * and closed once answered. Requests that arrive meanwhile get Fastify's 503.
 */
export default fp(async (app) => {
  const awaitingFirstRequest = new Set<Socket>()
  let closing = false

  app.server.on('connection', (socket: Socket) => {
    awaitingFirstRequest.add(socket)
    socket.once('close', () => awaitingFirstRequest.delete(socket))
  })
  app.server.on('request', (request: IncomingMessage) => { awaitingFirstRequest.delete(request.socket) })

  app.addHook('preClose', async () => {
    closing = true
    for (const socket of awaitingFirstRequest) socket.destroy()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  // An answer whose headers went out before the close began (a long stream) kept its connection alive.
  app.addHook('onResponse', (_request, _reply, done) => {
    if (closing) app.server.closeIdleConnections()
    done()
  })
}, { name: 'graceful-close' })
