import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { errorResponses } from '../schemas/common.js'
import { withSharedErrors } from '../schemas/operations.js'
import { HealthBody, UnavailableBody, VersionBody } from '../schemas/system.js'

/**
 * The probe answers within its own bound even when the query cannot: SQLite's one connection
 * may be held by a transaction, and a PostgreSQL query may first wait for a connection.
 */
async function withDeadline<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Version and health: no token needed, so orchestrators and partners can probe freely. */
const systemRoutes: FastifyPluginAsyncTypebox<{ version: string, readinessTimeoutMs: number }> = async (app, options) => {
  app.get('/api/version', {
    schema: {
      tags: ['System'],
      operationId: 'getVersion',
      summary: 'Service version',
      description: 'The running version of the service. No token needed.',
      security: [],
      response: withSharedErrors({ 200: VersionBody, ...errorResponses(400) }, { body: false })
    }
  }, async () => ({ version: options.version, status: 'ok' as const }))

  app.get('/health/live', {
    schema: {
      tags: ['System'],
      operationId: 'getLiveness',
      summary: 'Liveness probe',
      description: 'Answers 200 while the process serves requests.',
      security: [],
      response: withSharedErrors({ 200: HealthBody, ...errorResponses(400) }, { body: false })
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/health/ready', {
    schema: {
      tags: ['System'],
      operationId: 'getReadiness',
      summary: 'Readiness probe',
      description: 'Answers 200 when the database answers, 503 otherwise.',
      security: [],
      response: withSharedErrors({ 200: HealthBody, 503: UnavailableBody, ...errorResponses(400) }, { body: false })
    }
  }, async (request, reply) => {
    try {
      await withDeadline(sql`select 1`.execute(app.db), options.readinessTimeoutMs)
      return { status: 'ok' as const }
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed')
      return reply.code(503).send({ message: 'The database is unavailable.', status: 'unavailable' as const })
    }
  })
}

export default systemRoutes
