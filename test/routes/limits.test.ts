import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { MAX_HEADER_SIZE, MAX_URL_LENGTH } from '../../src/plugins/limits.js'
import { buildTestApp, setup, testDialects } from '../helpers/app.js'

async function listening (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as { port: number }).port
}

const sockets: Socket[] = []
t.teardown(() => { for (const socket of sockets) socket.destroy() })

async function openSocket (port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  await once(socket, 'connect')
  return socket
}

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
  /** Whether the server closed the connection. */
  closed: boolean
}

/** Writes raw bytes and reads until the server closes the connection or `waitMs` passes. */
async function rawExchange (port: number, request: string, waitMs = 5000): Promise<RawAnswer> {
  const socket = await openSocket(port)
  let text = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { text += chunk })
  socket.on('error', () => {})
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs)
    socket.once('close', () => { clearTimeout(timer); resolve(true) })
    socket.write(request)
  })
  const [head = '', body = ''] = text.split('\r\n\r\n')
  const [statusLine = '', ...headerLines] = head.split('\r\n')
  const headers = Object.fromEntries(headerLines.map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
  }))
  return { status: Number(statusLine.split(' ')[1]), headers, body, closed }
}

/** Status, whether the body is declared JSON, and the body parsed. */
function jsonAnswer (answer: RawAnswer) {
  return { status: answer.status, json: /^application\/json/.test(answer.headers['content-type'] ?? ''), body: JSON.parse(answer.body || 'null') }
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const { app, api } = await setup(t, dialect)
    const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()

    t.test('a body over 1 MiB is a JSON 413 on every route that takes one, DELETE included', async (t) => {
      const payload = JSON.stringify({ email: 'x'.repeat(1024 * 1024) })
      const login = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload })
      t.equal(login.statusCode, 413)
      t.type(login.json().message, 'string')
      const removal = await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}`, headers: { 'content-type': 'application/json' }, payload })
      t.equal(removal.statusCode, 413)
      t.type(removal.json().message, 'string')
    })

    t.test('a URL over 8 KiB is a JSON 414, before authentication and on any path', async (t) => {
      const long = `?filter[name]=${'a'.repeat(MAX_URL_LENGTH)}`
      for (const url of [`/api/v1/customer-services${long}`, `/api/version${long}`, `/nowhere${long}`]) {
        const response = await app.inject({ method: 'GET', url })
        t.equal(response.statusCode, 414, url.slice(0, 30))
        t.same(response.json(), { message: `The request URL is longer than ${MAX_URL_LENGTH} characters.` })
      }
      const justUnder = `/api/v1/customer-services?filter[name]=${'a'.repeat(MAX_URL_LENGTH - 60)}`
      t.equal((await api({ method: 'GET', url: justUnder })).statusCode, 200)
    })

    t.test('a path segment over 200 characters is a JSON 414, a malformed URL a JSON 400', async (t) => {
      const segment = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/${'k'.repeat(201)}` })
      t.equal(segment.statusCode, 414)
      t.same(segment.json(), { message: 'A path segment of the request URL is too long.' })
      const malformed = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/%zz` })
      t.equal(malformed.statusCode, 400)
      t.same(malformed.json(), { message: 'The request URL is malformed.' })
    })

    t.test('over a real connection', async (t) => {
      const port = await listening(app)

      t.test('headers over 16 KiB are a JSON 431, and the server goes on serving', async (t) => {
        const answer = await rawExchange(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(MAX_HEADER_SIZE)}\r\n\r\n`)
        t.same(jsonAnswer(answer), { status: 431, json: true, body: { message: 'Request Header Fields Too Large.' } })
        t.ok(answer.closed)
        t.equal((await fetch(`http://127.0.0.1:${port}/health/live`)).status, 200)
      })

      t.test('a URL over 8 KiB is a JSON 414 on the wire too', async (t) => {
        const answer = await rawExchange(port, `GET /api/version?x=${'u'.repeat(MAX_URL_LENGTH)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
        t.same(jsonAnswer(answer), { status: 414, json: true, body: { message: `The request URL is longer than ${MAX_URL_LENGTH} characters.` } })
      })

      t.test('bytes that are not HTTP are a JSON 400', async (t) => {
        const answer = await rawExchange(port, 'HELLO THERE\r\n\r\n')
        t.same(jsonAnswer(answer), { status: 400, json: true, body: { message: 'Bad Request.' } })
        t.ok(answer.closed)
      })
    })

    t.test('a request not sent in full within REQUEST_TIMEOUT is a JSON 408 and its connection closed', async (t) => {
      const slow = await buildTestApp(t, dialect, { REQUEST_TIMEOUT: '1' })
      t.equal(slow.server.requestTimeout, 1000)
      const port = await listening(slow)
      const started = Date.now()
      const answer = await rawExchange(port, 'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":', 10_000)
      t.same(jsonAnswer(answer), { status: 408, json: true, body: { message: 'Request Timeout.' } })
      t.ok(answer.closed)
      t.ok(Date.now() - started < 5000, 'within the timeout and the check interval')
    })

    t.test('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT', async (t) => {
      const brief = await buildTestApp(t, dialect, { KEEP_ALIVE_TIMEOUT: '1' })
      t.equal(brief.server.keepAliveTimeout, 1000)
      t.equal((await buildTestApp(t, dialect)).server.keepAliveTimeout, 72_000, 'the default')
      const port = await listening(brief)
      const started = Date.now()
      const answer = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n', 10_000)
      t.equal(answer.status, 200)
      t.ok(answer.closed)
      t.ok(Date.now() - started >= 900, 'kept open for the keep-alive time')
    })

    t.test('connections beyond MAX_CONNECTIONS are closed at once; the others are served', async (t) => {
      const capped = await buildTestApp(t, dialect, { MAX_CONNECTIONS: '2' })
      t.equal(capped.server.maxConnections, 2)
      t.equal((await buildTestApp(t, dialect)).server.maxConnections, 1000, 'the default')
      const port = await listening(capped)
      const first = await openSocket(port)
      const second = await openSocket(port)
      // A connection that never sent a request is not idle to app.close(): close it here.
      t.teardown(() => { second.destroy() })
      const refused = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n')
      t.ok(refused.closed, 'the third connection is closed')
      t.equal(refused.body, '', 'without an answer')
      first.destroy()
      await once(first, 'close')
      await new Promise((resolve) => setTimeout(resolve, 50))
      const served = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
      t.equal(served.status, 200)
    })
  })
}
