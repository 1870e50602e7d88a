import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { DestinationStream } from 'pino'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { redactUrlSecrets } from './domain/log-redaction.js'
import { parsePhpQuery } from './domain/php-query.js'
import authPlugin from './plugins/auth.js'
import databasePlugin from './plugins/database.js'
import errorsPlugin from './plugins/errors.js'
import limitsPlugin, { serverLimits } from './plugins/limits.js'
import listQueryPlugin from './plugins/list-query.js'
import modelBindingPlugin from './plugins/model-binding.js'
import openapiPlugin from './plugins/openapi.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import requestInputPlugin from './plugins/request-input.js'
import securityHeadersPlugin from './plugins/security-headers.js'
import authRoutes from './routes/auth.js'
import systemRoutes from './routes/system.js'
import v1 from './routes/v1.js'
import { createValidatorCompiler } from './validation.js'
import { serviceVersion } from './version.js'

export const BODY_LIMIT = 1024 * 1024

/** A hop count becomes the function Fastify's types ask for: trust the nearest `hops` proxies. */
function fastifyTrustProxy (setting: Config['trustProxy']) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting
  return typeof setting === 'boolean' ? setting : [...setting]
}

export interface BuildOptions {
  /** Where log lines go (standard output by default); tests read them from here. */
  readonly logStream?: DestinationStream
}

/** One Fastify instance, with the same options in tests and in production. */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: redactUrlSecrets(request.url),
          host: request.host,
          remoteAddress: request.ip
        })
      },
      ...(options.logStream !== undefined && { stream: options.logStream })
    },
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: BODY_LIMIT,
    ...serverLimits(config),
    routerOptions: {
      querystringParser: parsePhpQuery,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 200
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(createValidatorCompiler())

  await app.register(databasePlugin, { database: config.database })
  await app.register(errorsPlugin)
  await app.register(securityHeadersPlugin, { corsOrigins: config.corsOrigins })
  await app.register(limitsPlugin, { maxConnections: config.maxConnections })
  await app.register(requestInputPlugin)
  await app.register(authPlugin, { cacheTtlSeconds: config.tokenCacheTtlSeconds })
  await app.register(rateLimitPlugin, {
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    perMinute: config.rateLimitPerMinute,
    loginPerMinute: config.loginRateLimitPerMinute
  })
  await app.register(modelBindingPlugin)
  await app.register(listQueryPlugin)
  await app.register(openapiPlugin, { version: serviceVersion })

  await app.register(systemRoutes, { version: serviceVersion })
  await app.register(authRoutes, { prefix: '/api', tokenTtlSeconds: config.tokenTtlSeconds })
  await app.register(v1, { prefix: '/api/v1' })
  return app
}
