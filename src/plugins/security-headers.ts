import fastifyCors from '@fastify/cors'
import fp from 'fastify-plugin'

/** What a browser may send cross-origin: the methods and headers the API uses. */
const corsMethods = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']
const corsHeaders = ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id', 'Idempotency-Key']
/** Answer headers a browser script may read beyond the safelisted ones: the contract's rate-limit headers, `Allow`, the request id and the replay mark. */
const corsExposedHeaders = ['Allow', 'X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Idempotent-Replayed']
/** Seconds a browser may reuse a preflight answer. */
const CORS_MAX_AGE = 600

/**
 * The security headers of every answer: only those a browser still acts on for a JSON answer.
 * Helmet's others are left out: `X-Frame-Options` (`frame-ancestors` replaces it in every browser
 * in support), `Cross-Origin-Opener-Policy`, `Origin-Agent-Cluster`, `Referrer-Policy` and
 * `X-DNS-Prefetch-Control` (they act on documents that open windows, run scripts or load links,
 * and this policy lets an answer do none of that), `Cross-Origin-Resource-Policy` (a cross-origin
 * page cannot send the bearer token, so it only ever loads a 401 or a public answer),
 * `X-Download-Options` (Internet Explorer 8), `X-Permitted-Cross-Domain-Policies` (Flash and
 * Acrobat) and `X-XSS-Protection: 0` (no browser still has the filter it switches off).
 */
export const securityHeaders = Object.freeze({
  // Nothing in an answer may be loaded, run or framed; /docs replaces it with Swagger UI's policy.
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  // A browser that has seen the API over TLS (nginx terminates it) never calls it in plain HTTP again.
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  // A JSON answer is never read as HTML or script, whatever its bytes look like.
  'x-content-type-options': 'nosniff'
})

/**
 * CORS headers only for the origins configured, and only when the request names one of
 * them: without an allowed `Origin`, OPTIONS keeps its ordinary 204 with `Allow` (or 404).
 */
export default fp<{ corsOrigins: readonly string[] }>(async (app, options) => {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders)
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
