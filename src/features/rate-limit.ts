import { createHash } from 'node:crypto'
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { normalizeEmail } from '../db/queries/users.js'
import { TooManyAttemptsError } from '../http-errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts the request against its token's budget; an onRequest hook that runs after authentication. */
    throttleToken: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Counts a login attempt against its IP address and its email|IP pair; a preValidation hook. */
    throttleLogin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

export interface RateLimitOptions {
  /** Counters shared through this Redis server, or kept in this process when null. */
  readonly redisUrl: string | null
  readonly keyPrefix: string
  readonly perMinute: number
  readonly loginPerMinute: number
}

const WINDOW_MS = 60_000
/** One IP address may try this many times more logins than one email from it: offices share addresses. */
export const LOGIN_IP_FACTOR = 5
/** How long the start waits to connect to Redis, and a request for its count, before going on without a limit. */
const REDIS_TIMEOUT_MS = 2000

type Limiter = ReturnType<FastifyInstance['createRateLimit']>
type Count = Extract<Awaited<ReturnType<Limiter>>, { isAllowed: false }>

/** Laravel's login key, lower-cased email and address; hashed, so no email is stored in Redis. */
function emailAndIpKey (request: FastifyRequest): string {
  const body = request.body as { email?: unknown } | null
  const email = typeof body?.email === 'string' ? normalizeEmail(body.email) : ''
  return createHash('sha256').update(`${email}|${normalizeIP(request.ip)}`).digest('hex')
}

/**
 * Rate limits in Laravel's manner, counted by @fastify/rate-limit in fixed one-minute
 * windows (each starts with its key's first request): every token has
 * `perMinute` requests, and logins `loginPerMinute` attempts per email and IP address
 * (so nobody can lock an account out from elsewhere) and five times that per address.
 * Answers carry `X-RateLimit-Limit` and `X-RateLimit-Remaining` of the tightest limit;
 * a 429 adds `Retry-After` (seconds) and `X-RateLimit-Reset` (Unix time).
 *
 * With a Redis URL the counters are shared by every process. When Redis does not
 * answer, requests are served without a limit (fail-open: availability over
 * throttling), and one warning is logged until it answers again.
 */
export default fp<RateLimitOptions>(async (app, options) => {
  let storeFailing = false
  let redis: Redis | undefined
  if (options.redisUrl !== null) {
    redis = new Redis(options.redisUrl, {
      lazyConnect: true,
      // Fail at once while disconnected instead of queueing requests behind the reconnection.
      enableOfflineQueue: false,
      connectTimeout: REDIS_TIMEOUT_MS,
      commandTimeout: REDIS_TIMEOUT_MS
    })
    redis.on('error', (error) => app.log.debug({ err: error }, 'Redis connection error'))
    app.addHook('onClose', async () => { redis?.disconnect() })
    try {
      await redis.connect()
    } catch (error) {
      storeFailing = true
      app.log.warn({ err: error }, 'Redis does not answer: requests are served without a rate limit until it does')
    }
  }

  await app.register(fastifyRateLimit, {
    global: false,
    timeWindow: WINDOW_MS,
    ...(redis !== undefined && { redis, nameSpace: `${options.keyPrefix}rate-limit:` })
  })
  const perToken = app.createRateLimit({ max: options.perMinute, keyGenerator: (request) => `token:${request.tokenId}` })
  const perIp = app.createRateLimit({
    max: options.loginPerMinute * LOGIN_IP_FACTOR,
    keyGenerator: (request) => `login-ip:${normalizeIP(request.ip)}`
  })
  const perEmailAndIp = app.createRateLimit({ max: options.loginPerMinute, keyGenerator: (request) => `login:${emailAndIpKey(request)}` })

  async function count (request: FastifyRequest, limiters: Limiter[]): Promise<Count[]> {
    let counts: Count[]
    try {
      counts = (await Promise.all(limiters.map((limiter) => limiter(request)))).filter((result): result is Count => !result.isAllowed)
    } catch (error) {
      if (!storeFailing) app.log.warn({ err: error }, 'the rate-limit store does not answer: requests are served without a limit until it does')
      storeFailing = true
      return []
    }
    if (storeFailing) app.log.info('the rate-limit store answers again')
    storeFailing = false
    return counts
  }

  function enforce (reply: FastifyReply, counts: Count[]): void {
    const exceeded = counts.find((result) => result.isExceeded)
    const tightest = exceeded ?? counts.reduce<Count | undefined>((low, result) => low === undefined || result.remaining < low.remaining ? result : low, undefined)
    if (tightest === undefined) return
    reply.header('X-RateLimit-Limit', tightest.max)
    reply.header('X-RateLimit-Remaining', tightest.remaining)
    if (exceeded === undefined) return
    reply.header('Retry-After', exceeded.ttlInSeconds)
    reply.header('X-RateLimit-Reset', Math.ceil((Date.now() + exceeded.ttl) / 1000))
    throw new TooManyAttemptsError()
  }

  app.decorate('throttleToken', async (request: FastifyRequest, reply: FastifyReply) => {
    enforce(reply, await count(request, [perToken]))
  })
  app.decorate('throttleLogin', async (request: FastifyRequest, reply: FastifyReply) => {
    enforce(reply, await count(request, [perIp, perEmailAndIp]))
  })
}, { name: 'rate-limit', dependencies: ['auth'] })
