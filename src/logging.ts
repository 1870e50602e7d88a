import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import type { DestinationStream, LoggerOptions } from 'pino'
import type { LogLevel } from './config.js'
import { redactUrlSecrets } from './lib/log-redaction.js'
import { acceptedRequestId } from './lib/request-id.js'

export const REQUEST_ID_HEADER = 'x-request-id'

/** Honours the caller's `X-Request-Id` when it is safe to log and echo; a UUID otherwise. */
export function requestIdFor (raw: IncomingMessage): string {
  return acceptedRequestId(raw.headers[REQUEST_ID_HEADER]) ?? randomUUID()
}

/**
 * Where a secret could end up in a log line if someone logged more than today's
 * serializers do: credentials in headers, and any `password` or `token` field.
 */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'password',
  'token',
  '*.password',
  '*.token',
  '*.*.password',
  '*.*.token'
]

/**
 * One JSON line per request at `info`, when it ends, with everything an operator looks
 * for: what was asked (method, URL with secrets redacted, route), the status and the time
 * taken. Its start is logged at `debug`. Every line a request logs carries its `request_id`.
 */
export class RequestLogController extends LogController {
  constructor () {
    super({ requestIdLogLabel: 'request_id' })
  }

  override incomingRequest (request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}

export function loggerOptions (level: LogLevel, stream: DestinationStream | undefined): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrlSecrets(request.url),
        // The route's pattern (`/api/v1/customers/:customer`), absent when no route matched.
        route: request.routeOptions.url,
        host: request.host,
        remoteAddress: request.ip
      }),
      res: (reply: FastifyReply) => ({ statusCode: reply.statusCode })
    },
    ...(stream !== undefined && { stream })
  }
}
