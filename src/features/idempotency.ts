import { createHash, type Hash } from 'node:crypto'
import { pipeline, Transform } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, RequestPayload, RouteOptions } from 'fastify'
import {
  claimIdempotencyKey,
  markIdempotentWrites,
  purgeExpiredIdempotencyKeys,
  releaseIdempotencyKey,
  storeIdempotentAnswer,
  type IdempotencyKeyId
} from '../db/queries/idempotency.js'
import { canonicalJson, headersToReplay, IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS, isStorableStatus } from '../domain/idempotency.js'
import type { TransactionStep } from '../db/transaction.js'
import { AnswerLostError, BadRequestError, RequestInProgressError, ValidationFailedError } from '../http-errors.js'
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyPattern,
  invalidKeyMessage,
  REPLAYED_HEADER
} from '../schemas/idempotency.js'
import { keyReusedMessage } from '../schemas/messages.js'

declare module 'fastify' {
  interface FastifyInstance {
    idempotency: Idempotency
  }
  interface FastifyRequest {
    /** Set when the request carries an Idempotency-Key on a route that honours it. */
    idempotency: IdempotentRequest | null
  }
}

interface IdempotentRequest {
  readonly key: string
  /** SHA-256 of the method, the URL and then the body as sent, fed as the body arrives (`RequestFingerprint.asSent`). */
  readonly asSent: Hash
  /** While this request holds the key's claim, the claim's time, which identifies it. */
  claimedAt: string | null
  /**
   * While this request holds the key's claim: marks it applied, in the transaction of the
   * request's writes, so that the mark commits with them or not at all. The route passes it
   * with the request's change context (`changeContextOf`), and each query function runs it
   * first in its transaction (`inTransaction`'s `first`). It fails the transaction (409)
   * when the claim was taken over meanwhile (past its lease): those writes must not commit.
   */
  markApplied: TransactionStep | null
}

export interface Idempotency {
  /**
   * An onRoute hook: a POST, PUT, PATCH or DELETE route honours `Idempotency-Key`. Its schema must
   * say so already (`withIdempotency`): the hook adds the behaviour, never the documentation.
   */
  readonly protect: (route: RouteOptions) => void
  /** Deletes up to `limit` expired records; answers how many. */
  readonly purgeExpired: (limit?: number) => Promise<number>
  /** Resolves once the purge a request may have started is over. */
  readonly settled: () => Promise<void>
}

export interface IdempotencyOptions {
  /** The time it is, for claims, leases and expiry; tests move it. */
  readonly clock?: () => Date
}

const keyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const headerName = IDEMPOTENCY_KEY_HEADER.toLowerCase()
const validKey = new RegExp(idempotencyKeyPattern)
/** Expired records deleted at once: one statement stays short however many have piled up. */
const PURGE_BATCH = 500
/** How often a process purges while it keeps up; when a batch was full, the next claim purges again. */
const PURGE_INTERVAL_MS = 60_000

/**
 * The request as the route reads it: the parsed query and the body as parsed and normalized
 * (Laravel's trimming), before validation coerces or defaults anything.
 */
function canonicalFingerprint (request: FastifyRequest): string {
  const path = request.url.split('?')[0]
  return createHash('sha256').update(canonicalJson([request.method, path, request.query, request.body])).digest('hex')
}

/** The hooks a route option holds, as a list. */
const hooksOf = <Hook>(hooks: Hook | Hook[] | undefined): Hook[] => hooks === undefined ? [] : [hooks].flat() as Hook[]

/**
 * `Idempotency-Key` on writes: the first final answer (2xx or 4xx) to a request with a key
 * is stored in the database for 24 hours, per token, and replayed to a retry with the same
 * key, method, path, query and body (compared as parsed, not byte for byte), so that every
 * process serving the database replays it. The key is claimed before the route does anything
 * (after authentication and the rate limit, before route-model binding and validation), so
 * that of concurrent requests with one key only one runs; the others get a 409. A server error gives the claim up, and a claim
 * whose process died lapses after IDEMPOTENCY_LEASE_MS.
 *
 * Every write the route makes with the request's change context marks the claim applied, in
 * its transaction (see `markApplied`); the answer is stored after it commits. A crash in
 * between leaves an applied claim without an answer: past its lease, a retry is told so (409)
 * and does not run again. A claim that wrote nothing lapses, and the retry runs.
 *
 * Requests without the header cost one property lookup; routes that are not writes, nothing.
 */
export default fp<IdempotencyOptions>(async (app, options) => {
  const clock = options.clock ?? (() => new Date())
  const times = { ttlMs: IDEMPOTENCY_TTL_MS, leaseMs: IDEMPOTENCY_LEASE_MS }
  app.decorateRequest('idempotency', null)

  let nextPurgeAt = 0
  let purging: Promise<void> = Promise.resolve()
  let purgeFailing = false
  const purgeExpired = (limit = PURGE_BATCH) => purgeExpiredIdempotencyKeys(app.db, clock(), limit)

  /**
   * Expired records go a batch at a time, in the background: after a claim, so that the purge
   * keeps up with the records added, and once a minute anyway, so that none outlives its
   * 24 hours by much when no more come.
   */
  function purgeSoon (now: Date): void {
    if (now.getTime() < nextPurgeAt) return
    nextPurgeAt = now.getTime() + PURGE_INTERVAL_MS
    purging = purgeExpired().then((count) => {
      purgeFailing = false
      if (count === PURGE_BATCH) nextPurgeAt = 0
    }, (error: unknown) => {
      if (!purgeFailing) app.log.warn({ err: error }, 'expired idempotency keys could not be purged')
      purgeFailing = true
    })
  }
  const timer = setInterval(() => purgeSoon(clock()), PURGE_INTERVAL_MS).unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await purging
  })

  const idOf = (request: FastifyRequest, state: IdempotentRequest): IdempotencyKeyId => ({ tokenId: request.tokenId as number, key: state.key })

  /** preParsing: checks the key and hashes the body as it streams to the parser. */
  async function fingerprint (request: FastifyRequest, _reply: FastifyReply, payload: RequestPayload): Promise<RequestPayload> {
    const key = request.headers[headerName]
    if (key === undefined) return payload
    if (typeof key !== 'string' || !validKey.test(key)) throw new BadRequestError(invalidKeyMessage)
    const hash = createHash('sha256').update(`${request.method} ${request.url}\n`)
    request.idempotency = { key, asSent: hash, claimedAt: null, markApplied: null }
    const hashing = new Transform({
      transform (chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        done(null, chunk)
      }
    })
    // An error of the request stream (a client that goes away) reaches the parser through `hashing`.
    return pipeline(payload, hashing, () => {})
  }

  /** preValidation, before the route's own: claims the key, or answers the retry. */
  async function claim (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const state = request.idempotency
    if (state === null || request.tokenId === null) return undefined
    const now = clock()
    const fingerprint = { canonical: canonicalFingerprint(request), asSent: state.asSent.digest('hex') }
    const outcome = await claimIdempotencyKey(app.db, idOf(request, state), fingerprint, now, times)
    switch (outcome.outcome) {
      case 'claimed': {
        const id = idOf(request, state)
        const { claimedAt } = outcome
        state.claimedAt = claimedAt
        state.markApplied = async (trx) => {
          if (!await markIdempotentWrites(trx, id, claimedAt, clock())) {
            reply.header('retry-after', 1)
            throw new RequestInProgressError()
          }
        }
        purgeSoon(now)
        return undefined
      }
      case 'replay':
        return reply.code(outcome.answer.status).headers(outcome.answer.headers).header(REPLAYED_HEADER, 'true')
          .send(outcome.answer.body ?? undefined)
      case 'mismatch':
        throw new ValidationFailedError({ [IDEMPOTENCY_KEY_HEADER]: [keyReusedMessage] })
      case 'answer_lost':
        throw new AnswerLostError()
      case 'in_progress':
        reply.header('retry-after', 1)
        throw new RequestInProgressError()
    }
  }

  /** onSend: stores a final answer, or gives the claim up so that a retry runs again. */
  async function store (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const state = request.idempotency
    if (state === null || state.claimedAt === null) return payload
    const claimedAt = state.claimedAt
    state.claimedAt = null
    state.markApplied = null
    const id = idOf(request, state)
    try {
      if (isStorableStatus(reply.statusCode) && (typeof payload === 'string' || payload === null || payload === undefined)) {
        const answer = { status: reply.statusCode, headers: headersToReplay(reply.getHeaders()), body: payload ?? null }
        if (!await storeIdempotentAnswer(app.db, id, claimedAt, answer, clock(), times.ttlMs)) {
          request.log.warn('an idempotency claim outlived its lease and was taken over; this answer is not stored')
        }
      } else {
        await releaseIdempotencyKey(app.db, id, claimedAt)
      }
    } catch (error) {
      // The answer stands. Its claim lapses after the lease; a retry then runs again.
      request.log.warn({ err: error }, 'the answer to a request with an Idempotency-Key could not be recorded')
    }
    return payload
  }

  app.decorate('idempotency', {
    protect: (route: RouteOptions) => {
      if (![route.method].flat().some((method) => keyMethods.has(method.toUpperCase()))) return
      const headers = route.schema?.headers as { properties?: Record<string, unknown> } | undefined
      if (headers?.properties?.[IDEMPOTENCY_KEY_HEADER] === undefined) {
        throw new Error(`${String(route.method)} ${route.url} honours ${IDEMPOTENCY_KEY_HEADER}, but its schema does not say so (withIdempotency)`)
      }
      route.preParsing = [fingerprint, ...hooksOf(route.preParsing)]
      route.preValidation = [claim, ...hooksOf(route.preValidation)]
      route.onSend = [...hooksOf(route.onSend), store]
    },
    purgeExpired,
    settled: () => purging
  })
}, { name: 'idempotency', dependencies: ['database', 'auth'] })
