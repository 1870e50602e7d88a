import type { IncomingMessage, ServerResponse } from 'node:http'
import fastifyCors from '@fastify/cors'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/** What a browser may send cross-origin: the methods and headers the API uses. */
const corsMethods = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']
const corsHeaders = ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id', 'Idempotency-Key']
/** Answer headers a browser script may read beyond the safelisted ones: the contract's rate-limit headers, `Allow`, the request id and the replay mark. */
const corsExposedHeaders = ['Allow', 'X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Idempotent-Replayed']
/** Seconds a browser may reuse a preflight answer. */
const CORS_MAX_AGE = 600

const helmetOptions: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] }
  },
  frameguard: { action: 'deny' }
}

/**
 * The headers Helmet sets with these options. They are the same for every answer, so
 * Helmet runs once, against a response that only records them, instead of rebuilding
 * its policies on every request (they were a tenth of the CPU time of a cached read).
 */
export function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { headers[name.toLowerCase()] = '' }
  }
  let finished = false
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error
    finished = true
  })
  if (!finished) throw new Error('Helmet did not finish synchronously')
  return headers
}

/**
 * Helmet's headers for a JSON API: nothing in an answer may be framed, run or loaded
 * (`default-src 'none'`); /docs sets its own policy for Swagger UI. CORS headers only
 * for the origins configured, and only when the request names one of them: without an
 * allowed `Origin`, OPTIONS keeps its ordinary 204 with `Allow` (or 404).
 */
export default fp<{ corsOrigins: readonly string[] }>(async (app, options) => {
  const recorded = helmetHeaders(helmetOptions)
  // Helmet removes `X-Powered-By`; Fastify never sets it, so there is nothing to remove.
  const headers = Object.fromEntries(Object.entries(recorded).filter(([, value]) => value !== ''))
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })

  if (options.corsOrigins.length === 0) return
  const anyOrigin = options.corsOrigins[0] === '*'
  const allowed = new Set(options.corsOrigins)
  await app.register(fastifyCors, {
    origin: (origin, callback) => {
      if (origin === undefined || (!anyOrigin && !allowed.has(origin))) callback(null, false)
      else callback(null, anyOrigin ? '*' : true)
    },
    methods: corsMethods,
    allowedHeaders: corsHeaders,
    exposedHeaders: corsExposedHeaders,
    credentials: false,
    maxAge: CORS_MAX_AGE,
    strictPreflight: false
  })
}, { name: 'security-headers' })
