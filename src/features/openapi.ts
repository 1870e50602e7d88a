import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { defaultOf } from '../config.js'
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from '../laravel/list-query.js'
import { LOGIN_IP_FACTOR } from './rate-limit.js'
import { rateLimitHeaders, sharedSchemas } from '../schemas/common.js'
import { idempotencyHeaders } from '../schemas/idempotency.js'
import { tooManyAttemptsMessage, unavailableMessage } from '../schemas/messages.js'

/** A setting's default as the description quotes it: 2,000. */
const readable = (name: Parameters<typeof defaultOf>[0]) => Number(defaultOf(name)).toLocaleString('en-US')

export const apiDescription = `Catalog of optional customer services (support contracts, platform access, feature tiers),
each with a machine \`key\` that other systems use as a feature flag, and their assignment to customers.
Drop-in compatible with the BlueRockTEL Laravel admin API.

**Authentication.** \`POST /api/login\` exchanges an email and password for a token; send it on every
\`/api/v1\` request as \`Authorization: Bearer <token>\`. \`POST /api/logout\` revokes it.

**Lists** take \`filter[field]=value\` (case-insensitive substring; a comma separates alternatives;
different filters must all match), \`sort=-created_at,name\` (\`-\` for descending; ties broken by id),
\`page\` and \`per_page\` (default ${DEFAULT_PER_PAGE}, at most ${MAX_PER_PAGE}), and answer Laravel's paginator envelope, whose page
URLs keep the other query parameters.

**Errors** are JSON with a \`message\`. Validation errors (422) add \`errors\`, each field's messages.
An unknown route is a 404 and a known path with another method a 405 with an \`Allow\` header. Precedence:
unknown route or method, then 401, then 429, then a missing record (404), then validation (422).

**Rate limits**, as Laravel's throttle: each token may make ${readable('RATE_LIMIT_PER_MINUTE')} requests a minute by default (to
\`/api/v1\` and \`/api/logout\`), and \`POST /api/login\` takes ${readable('LOGIN_RATE_LIMIT_PER_MINUTE')} attempts a minute per email and IP
address, ${(Number(defaultOf('LOGIN_RATE_LIMIT_PER_MINUTE')) * LOGIN_IP_FACTOR).toLocaleString('en-US')} per address. Counted answers carry \`X-RateLimit-Limit\` and \`X-RateLimit-Remaining\`; past
the limit a 429 \`{"message": "${tooManyAttemptsMessage}"}\` adds \`Retry-After\` (seconds) and
\`X-RateLimit-Reset\` (Unix time).

**Idempotent retries.** Every POST, PATCH and DELETE under \`/api/v1\` takes an \`Idempotency-Key\` header
(1–255 printable ASCII characters; a UUID per operation). The first final answer (2xx or 4xx) to a request with
a key is kept for 24 hours for the token that sent it; a retry with the same key, method, URL and body gets that
answer again, with \`Idempotent-Replayed: true\`, and does nothing. The same key with another request is a 422;
while the first request is still being answered, a 409 with \`Retry-After\`. A 5xx, 408 or 429 is not kept: the
retry runs again.

**Request ids.** Every answer but a 408 or 431 carries \`X-Request-Id\`: the one the request sent, when it is
1–128 letters, digits or \`._:=+/-\`, or a new UUID. Quote it when reporting a problem; the request's log lines
carry it.

**Limits.** A body over 1 MiB is a 413, a URL over 8 KiB a 414, request headers over 16 KiB a 431,
and a request not fully sent within the server's timeout (${readable('REQUEST_TIMEOUT')} seconds by default) a 408; each answers
\`{"message": ...}\` and the last two close the connection.

**Unavailable.** While the database cannot be reached, or a request arrives as the server shuts
down, the answer is a 503 \`{"message": "${unavailableMessage}"}\`: try again later (a sync may always be repeated).`

/** The parts of an operation object this plugin rewrites. */
interface Operation {
  parameters?: Array<Record<string, any>>
  responses?: Record<string, { headers?: Record<string, unknown> }>
}

/**
 * The OpenAPI document, generated from the route schemas (registered before them),
 * served as JSON and YAML and rendered at /docs, all without a token.
 */
export default fp<{ version: string }>(async (app, options) => {
  for (const schema of sharedSchemas) app.addSchema(schema)

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Customer Services API',
        version: options.version,
        description: apiDescription,
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
      },
      servers: [{ url: '/', description: 'The host that serves this document' }],
      tags: [
        { name: 'Authentication', description: 'Log in and out.' },
        { name: 'Customer services', description: 'The catalog of services.' },
        { name: 'Customers', description: 'Customers and their account numbers.' },
        { name: 'Customer assignments', description: 'Which services each customer has.' },
        { name: 'Assignment history', description: 'Every change of every customer\'s services, read-only.' },
        { name: 'Change events', description: 'The outbox other systems follow, with a cursor.' },
        { name: 'System', description: 'Version and health, without a token.' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from `POST /api/login`.' }
        },
        headers: {
          ...rateLimitHeaders,
          ...idempotencyHeaders,
          RequestId: {
            description: 'The request id: the `X-Request-Id` the request sent when it is 1–128 letters, digits or `._:=+/-`, ' +
              'otherwise a UUID the service made up. Every log line of the request carries it.',
            schema: { type: 'string', maxLength: 128 },
            example: '0b9f5b8e-3c1a-4f8e-9a51-2f1f0f6f3f0e'
          }
        }
      }
    },
    refResolver: {
      // Shared schemas keep their own names as components.
      buildLocalReference: (json, _baseUri, _fragment, index) => typeof json.$id === 'string' ? json.$id : `def-${index}`
    },
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject
      const { openapiObject } = document
      for (const operations of Object.values(openapiObject.paths ?? {})) {
        for (const operation of Object.values(operations ?? {}) as Operation[]) {
          // Object-valued query parameters are PHP's bracket notation: `filter[name]=value`.
          for (const parameter of operation.parameters ?? []) {
            if (parameter.in === 'query' && parameter.schema?.type === 'object') {
              parameter.style = 'deepObject'
              parameter.explode = true
            }
          }
          // The rate-limit and replay headers are described once, as components; every answer carries the request id.
          for (const response of Object.values(operation.responses ?? {})) {
            for (const name of Object.keys(response.headers ?? {})) {
              if (name in rateLimitHeaders || name in idempotencyHeaders) (response.headers as Record<string, unknown>)[name] = { $ref: `#/components/headers/${name}` }
            }
            response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/RequestId' } }
          }
        }
      }
      return openapiObject
    }
  })

  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true, tryItOutEnabled: false },
    staticCSP: true
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })))
}, { name: 'openapi' })
