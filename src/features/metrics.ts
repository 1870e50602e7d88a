import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { MAX_WRITES_PER_COMMIT, type ConnectionUse } from '../db/database.js'
import type { AnswerCache } from './answer-cache.js'
import { UnauthenticatedError } from '../http-errors.js'

export interface SyncChanges {
  readonly attached: readonly number[]
  readonly detached: readonly number[]
  readonly updated: readonly number[]
}

export interface ServiceMetrics {
  /** Counts one applied sync and the assignments it changed. */
  recordSync: (changes: SyncChanges) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics
  }
}

/** The route label of a request no route matched (404, 405, OPTIONS): raw URLs would make a series per id. */
export const UNMATCHED_ROUTE = 'unmatched'

const bearer = /^Bearer +(\S+)\s*$/i

/** Equal-length digests, so the comparison takes the same time whatever the length or content of the guess. */
const digest = (text: string) => createHash('sha256').update(text).digest()

const poolGauges: ReadonlyArray<{ name: string, help: string, read: (use: ConnectionUse) => number | undefined }> = [
  { name: 'customer_services_db_pool_max_connections', help: 'Connections the process may hold (PostgreSQL pool size; 1 for SQLite).', read: (use) => use.max },
  { name: 'customer_services_db_pool_open_connections', help: 'Connections open now (SQLite: its one handle).', read: (use) => use.open },
  { name: 'customer_services_db_pool_idle_connections', help: 'Open connections no query holds (PostgreSQL only).', read: (use) => use.idle },
  { name: 'customer_services_db_pool_waiting_queries', help: 'Queries waiting for a free connection (PostgreSQL only).', read: (use) => use.waiting }
]

function registerServiceMetrics (register: Registry, connectionUse: () => ConnectionUse) {
  collectDefaultMetrics({ register })
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status code; its _count is the number of requests.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [register]
  })
  const syncs = new Counter({ name: 'customer_services_syncs_total', help: 'Syncs of a customer\'s services applied.', registers: [register] })
  const syncChanges = new Counter({
    name: 'customer_services_sync_assignments_total',
    help: 'Assignments changed by syncs: attached, detached, or updated (a new version).',
    labelNames: ['change'] as const,
    registers: [register]
  })
  for (const change of ['attached', 'detached', 'updated']) syncChanges.inc({ change }, 0)

  // A gauge the dialect has no value for is left out rather than reported as 0.
  for (const { name, help, read } of poolGauges.filter((gauge) => gauge.read(connectionUse()) !== undefined)) {
    register.registerMetric(new Gauge({ name, help, registers: [], collect () { this.set(read(connectionUse()) ?? 0) } }))
  }
  return { requestDuration, syncs, syncChanges }
}

/** SQLite's group commit: how many writes shared each commit (its _sum over _count is the mean). */
function registerCommitMetrics (register: Registry, onCommit: (listener: (writes: number) => void) => void): void {
  const writesPerCommit = new Histogram({
    name: 'customer_services_db_writes_per_commit',
    help: 'Writes (syncs, PUTs, DELETEs, catalog changes…) committed together in one SQLite transaction.',
    buckets: [1, 2, 4, 8, 16, MAX_WRITES_PER_COMMIT],
    registers: [register]
  })
  onCommit((writes) => writesPerCommit.observe(writes))
}

/** What an operator needs to size `ANSWER_CACHE_MB`: how often it answers, and how full it is. */
function registerAnswerCacheMetrics (register: Registry, cache: AnswerCache): void {
  const { stats } = cache
  register.registerMetric(new Counter({
    name: 'customer_services_answer_cache_lookups_total',
    help: 'GET requests that looked for their answer in the SQLite answer cache: result is hit (served from memory) or miss (computed).',
    labelNames: ['result'] as const,
    registers: [],
    collect () {
      this.reset()
      this.inc({ result: 'hit' }, stats.hits)
      this.inc({ result: 'miss' }, stats.misses)
    }
  }))
  register.registerMetric(new Gauge({
    name: 'customer_services_answer_cache_bytes',
    help: 'Text of the answers the SQLite answer cache holds now, in bytes.',
    registers: [],
    collect () { this.set(cache.bytes()) }
  }))
  register.registerMetric(new Gauge({
    name: 'customer_services_answer_cache_max_bytes',
    help: 'The most the SQLite answer cache may hold (ANSWER_CACHE_MB), in bytes.',
    registers: [],
    collect () { this.set(cache.maxBytes) }
  }))
}

/**
 * Prometheus metrics at `GET /metrics`, behind their own bearer secret. Without one,
 * nothing is collected and the route does not exist.
 */
export default fp<{ token: string }>(async (app, options) => {
  if (options.token === '') {
    app.decorate('metrics', { recordSync: () => {} })
    return
  }
  const register = new Registry()
  const { requestDuration, syncs, syncChanges } = registerServiceMetrics(register, app.connectionUse)
  if (app.onCommit !== null) registerCommitMetrics(register, app.onCommit)
  // The cache is set up after this plugin, and only on SQLite with ANSWER_CACHE_MB above 0.
  app.addHook('onReady', async () => {
    if (app.hasDecorator('answerCache') && app.answerCache !== null) registerAnswerCacheMetrics(register, app.answerCache)
  })
  app.decorate('metrics', {
    recordSync: (changes: SyncChanges) => {
      syncs.inc()
      syncChanges.inc({ change: 'attached' }, changes.attached.length)
      syncChanges.inc({ change: 'detached' }, changes.detached.length)
      syncChanges.inc({ change: 'updated' }, changes.updated.length)
    }
  })

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    requestDuration.observe({
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: reply.statusCode
    }, reply.elapsedTime / 1000)
  })

  const expected = digest(options.token)
  app.get('/metrics', {
    schema: { hide: true },
    // A scrape every few seconds per replica would drown the request log.
    logLevel: 'warn',
    onRequest: async (request) => {
      const given = bearer.exec(request.headers.authorization ?? '')?.[1] ?? ''
      if (!timingSafeEqual(digest(given), expected)) throw new UnauthenticatedError()
    }
  }, async (_request, reply) => reply.type(register.contentType).send(await register.metrics()))
}, { name: 'metrics', dependencies: ['database'] })
