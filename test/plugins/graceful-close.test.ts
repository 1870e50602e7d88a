import { once } from 'node:events'
import { createConnection, type Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import gracefulClosePlugin from '../../src/plugins/graceful-close.js'
import { eventually, refusesConnections } from '../helpers/server-process.js'

/**
 * A server with the plugin, whose connections would outlive the test run (and so fail it)
 * unless something closes them.
 */
async function listening (t: { teardown: (fn: () => unknown) => void }, routes: (app: FastifyInstance) => void) {
  const app = Fastify({ keepAliveTimeout: 600_000, requestTimeout: 600_000 })
  await app.register(gracefulClosePlugin)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return { app, port: (app.server.address() as { port: number }).port }
}

async function connect (port: number) {
  const socket = createConnection(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { received += chunk })
  return { socket, closed: once(socket, 'close'), received: () => received }
}

const get = (socket: Socket, path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)

t.test('a connection that has not sent a request is closed when the close begins', async (t) => {
  const { app, port } = await listening(t, () => {})
  const accepted = once(app.server, 'connection')
  const client = await connect(port)
  await accepted
  await app.close()
  await client.closed
  t.equal(client.received(), '', 'it got no answer: it asked nothing')
})

t.test('an answer sent after the close began says Connection: close and ends its connection', async (t) => {
  let started = false
  let finish = () => {}
  const { app, port } = await listening(t, (app) => {
    app.get('/slow', async () => {
      started = true
      await new Promise<void>((resolve) => { finish = resolve })
      return { done: true }
    })
  })
  const client = await connect(port)
  get(client.socket, '/slow')
  await eventually('the request is being handled', () => started)
  const closed = app.close()
  await eventually('the close has begun', () => refusesConnections(port))
  finish()
  await client.closed
  t.match(client.received(), /^HTTP\/1\.1 200 OK\r\n/)
  t.match(client.received(), /^connection: close\r$/im)
  t.match(client.received(), /\{"done":true\}$/)
  await closed
})

t.test('a stream whose headers went out before the close ends its connection when it ends', async (t) => {
  const body = new PassThrough()
  const { app, port } = await listening(t, (app) => {
    app.get('/stream', async (_request, reply) => reply.type('text/plain').send(body))
  })
  const client = await connect(port)
  get(client.socket, '/stream')
  body.write('first part ')
  await eventually('the headers and a first part arrived', () => client.received().includes('first part'))
  t.match(client.received(), /^connection: keep-alive\r$/im, 'the answer began as keep-alive')
  const closed = app.close()
  await eventually('the close has begun', () => refusesConnections(port))
  body.end('last part')
  await client.closed
  t.match(client.received(), /last part/)
  await closed
})
