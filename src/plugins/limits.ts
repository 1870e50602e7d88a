import { STATUS_CODES, type ServerOptions } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { REQUEST_ID_HEADER } from '../logging.js'
import { serverErrorMessage } from '../schemas/messages.js'

/** The longest request target (path and query string) answered; longer is a 414. */
export const MAX_URL_LENGTH = 8 * 1024
/** Request line and headers together, as Node's parser counts them; more is a 431. */
export const MAX_HEADER_SIZE = 16 * 1024
/** How often Node looks for requests past their timeout: the timeouts' precision. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000

export const uriTooLongMessage = `The request URL is longer than ${MAX_URL_LENGTH} characters.`

const clientErrors: Record<string, { status: number, message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'Request Header Fields Too Large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'Request Timeout.' }
}

/**
 * Node answers what it refuses before Fastify sees a request (headers too large, a request
 * too slow, bytes that are not HTTP) with a bare status line; this answers the contract's JSON.
 */
export function clientErrorHandler (error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const { status, message } = clientErrors[error.code ?? ''] ?? { status: 400, message: 'Bad Request.' }
  // Part of an answer already went out: another status line would corrupt it.
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy()
    return
  }
  const body = JSON.stringify({ message })
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

/** What the router refuses (a path parameter over its length limit, a malformed URL) in the contract's JSON. */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No hook runs for these requests: the request id header is set here.
  reply.header(REQUEST_ID_HEADER, request.id)
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send({ message: 'A path segment of the request URL is too long.' })
  } else if (error.code === 'FST_ERR_BAD_URL') {
    reply.code(400).send({ message: 'The request URL is malformed.' })
  } else {
    reply.code(500).send({ message: serverErrorMessage })
  }
}

/** The Fastify options that bound a connection: header size and timeouts. */
export function serverLimits (config: Pick<Config, 'requestTimeoutSeconds' | 'keepAliveTimeoutSeconds'>) {
  const requestTimeout = config.requestTimeoutSeconds * 1000
  const http: ServerOptions = {
    maxHeaderSize: MAX_HEADER_SIZE,
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS
  }
  return {
    http,
    requestTimeout,
    // Past the request timeout and its check, so a slow request still gets its 408 first.
    connectionTimeout: 2 * requestTimeout + TIMEOUT_CHECK_INTERVAL_MS,
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    clientErrorHandler,
    frameworkErrors
  }
}

/**
 * Request-level limits: a URL longer than MAX_URL_LENGTH is a 414 before anything else
 * runs, and the server accepts at most `maxConnections` connections at once.
 */
export default fp<{ maxConnections: number }>(async (app, options) => {
  app.server.maxConnections = options.maxConnections
  app.addHook('onRequest', (request, reply, done) => {
    if (request.raw.url !== undefined && request.raw.url.length > MAX_URL_LENGTH) {
      reply.code(414).send({ message: uriTooLongMessage })
      return
    }
    done()
  })
}, { name: 'limits' })
