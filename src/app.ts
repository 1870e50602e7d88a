import Fastify, { type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { parsePhpQuery } from './laravel/php-query.js'
import answerCachePlugin from './features/answer-cache.js'
import { loggerOptions, RequestLogController, requestIdFor } from './logging.js'
import authPlugin from './features/auth.js'
import databasePlugin from './plugins/database.js'
import errorsPlugin from './plugins/errors.js'
import gracefulClosePlugin from './plugins/graceful-close.js'
import idempotencyPlugin from './features/idempotency.js'
import limitsPlugin, { serverLimits } from './plugins/limits.js'
import listQueryPlugin from './features/list-query.js'
import metricsPlugin from './features/metrics.js'
import modelBindingPlugin from './features/model-binding.js'
import openapiPlugin from './features/openapi.js'
import rateLimitPlugin from './features/rate-limit.js'
import requestIdPlugin from './plugins/request-id.js'
import requestInputPlugin from './plugins/request-input.js'
import securityHeadersPlugin from './plugins/security-headers.js'
import authRoutes from './routes/auth.js'
import systemRoutes from './routes/system.js'
import v1 from './routes/v1.js'
import { sharedSerializerFactory } from './serialization.js'
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
  /** The time it is for stored idempotent answers (their lease and expiry); tests move it. */
  readonly clock?: () => Date
  /** Applies the database's pending migrations while the app is built (see `openDatabase`). */
  readonly migrate?: boolean
}

/** One Fastify instance, with the same options in tests and in production. */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    logController: new RequestLogController(),
    genReqId: requestIdFor,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: BODY_LIMIT,
    ...serverLimits(config),
    schemaController: { compilersFactory: { buildSerializer: sharedSerializerFactory() } },
    routerOptions: {
      querystringParser: parsePhpQuery,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 200
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(createValidatorCompiler())

  await app.register(requestIdPlugin)
  await app.register(databasePlugin, { config, migrate: options.migrate ?? false })
  await app.register(errorsPlugin)
  await app.register(metricsPlugin, { token: config.metricsToken })
  await app.register(securityHeadersPlugin, { corsOrigins: config.corsOrigins })
  await app.register(limitsPlugin, { maxConnections: config.maxConnections })
  await app.register(gracefulClosePlugin)
  await app.register(requestInputPlugin)
  await app.register(authPlugin, { cacheTtlSeconds: config.tokenCacheTtlSeconds })
  await app.register(rateLimitPlugin, {
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    perMinute: config.rateLimitPerMinute,
    loginPerMinute: config.loginRateLimitPerMinute
  })
  await app.register(idempotencyPlugin, { ...(options.clock !== undefined && { clock: options.clock }) })
  await app.register(modelBindingPlugin)
  await app.register(answerCachePlugin, { maxBytes: config.answerCacheBytes })
  await app.register(listQueryPlugin)
  await app.register(openapiPlugin, { version: serviceVersion })

  await app.register(systemRoutes, { version: serviceVersion, readinessTimeoutMs: config.databaseTimeoutMs })
  await app.register(authRoutes, { prefix: '/api', tokenTtlSeconds: config.tokenTtlSeconds })
  await app.register(v1, { prefix: '/api/v1', tokenTtlSeconds: config.tokenTtlSeconds })
  return app
}
