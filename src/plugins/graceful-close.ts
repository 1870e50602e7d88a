import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'

/**
 * Resolves once the event loop has polled for I/O since the call. The first `setImmediate`
 * may run in the very iteration whose poll delivered the signal; the second runs after the next poll.
 */
const afterNextPoll = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)))

/** Bounds the drain when connections keep arriving; close-with-grace's delay bounds the rest. */
const MAX_DRAIN_POLLS = 1000

/**
 * Lets `app.close()` finish as soon as the requests in flight are answered, without dropping
 * one. Node's `server.close()` destroys the connections it deems idle and resets those still
 * waiting to be accepted. "Idle" only means no request is being parsed: under load (SQLite
 * holds the event loop during each query) a connection's next request, or a new connection
 * and its first request, can have reached the server unread, and would be reset unanswered.
 * So the close first polls until a poll brings no new connection and no new request (each
 * gets Fastify's 503), and only then closes the listener and the idle connections, and the
 * connections that never sent a request (Node would wait out their request timeout).
 * An answer sent after the close began says `Connection: close` and ends its connection.
 */
export default fp(async (app) => {
  const awaitingFirstRequest = new Set<Socket>()
  let arrivals = 0
  let closing = false
  let drained = false

  app.server.on('connection', (socket: Socket) => {
    arrivals++
    awaitingFirstRequest.add(socket)
    socket.once('close', () => awaitingFirstRequest.delete(socket))
  })
  app.server.on('request', (request: IncomingMessage) => {
    arrivals++
    awaitingFirstRequest.delete(request.socket)
  })

  async function drainArrivals () {
    for (let poll = 0; poll < MAX_DRAIN_POLLS; poll++) {
      const before = arrivals
      await afterNextPoll()
      if (arrivals === before) return
    }
  }

  app.addHook('preClose', async () => {
    closing = true
    await drainArrivals()
    drained = true
    for (const socket of awaitingFirstRequest) socket.destroy()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  // An answer whose headers went out before the close began (a long stream) kept its connection
  // alive; a request pipelined behind it may be unread yet.
  app.addHook('onResponse', (_request, _reply, done) => {
    if (drained) afterNextPoll().then(() => app.server.closeIdleConnections(), () => {})
    done()
  })
}, { name: 'graceful-close' })
