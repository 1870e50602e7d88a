import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { VersionedCache } from '../lib/versioned-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Hooks that answer a repeated read from memory while the data is unchanged; null where no cheap change mark exists, or with `ANSWER_CACHE_MB=0`. */
    answerCache: AnswerCache | null
  }
  interface FastifyRequest {
    /** The change mark read before a cacheable answer was computed. */
    answerVersion: string | null
  }
}

export interface AnswerCache {
  readonly serve: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>
  readonly store: (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>
  readonly stats: { hits: number, misses: number }
  /** The text of the answers held now, in bytes (one a character: answers are JSON, nearly all ASCII). */
  readonly bytes: () => number
  /** The most it may hold: `ANSWER_CACHE_MB`. */
  readonly maxBytes: number
}

/** Larger answers are computed again: they are rare, and the big ones are streamed. */
const MAX_ANSWER_BYTES = 256 * 1024

const keyOf = (request: FastifyRequest) => `${request.protocol}://${request.host}${request.url}`

/** An answer's text and the entity tag it was sent with, which a cached answer must carry too. */
class Answer {
  constructor (readonly body: string, readonly etag: string | undefined) {}

  get length (): number {
    return this.body.length + (this.etag?.length ?? 0)
  }
}

/**
 * Successful GET answers, kept as the JSON text sent, keyed by the URL (whose host
 * and scheme the pagination links contain), and dropped as soon as the database's
 * change mark moves: a write through any connection, any process. Only SQLite has
 * a mark that costs less than the read it saves; on PostgreSQL every read is fresh.
 * Every answer of the API is the same for every token that may read it, and what a token
 * may read is checked before `serve` runs (v1.ts), so the key needs no token in it.
 */
export default fp<{ maxBytes: number }>(async (app, options) => {
  app.decorateRequest('answerVersion', null)
  const changeMark = app.changeMark
  if (changeMark === null || options.maxBytes === 0) {
    app.decorate('answerCache', null)
    return
  }
  const answers = new VersionedCache<Answer>(options.maxBytes, MAX_ANSWER_BYTES)
  const stats = { hits: 0, misses: 0 }

  app.decorate('answerCache', {
    stats,
    bytes: () => answers.bytes,
    maxBytes: options.maxBytes,
    serve: async (request, reply) => {
      if (request.method !== 'GET') return undefined
      const version = changeMark()
      const cached = answers.get(keyOf(request), version)
      if (cached === undefined) {
        stats.misses++
        request.answerVersion = version
        return undefined
      }
      stats.hits++
      if (cached.etag !== undefined) reply.header('etag', cached.etag)
      return reply.type('application/json; charset=utf-8').send(cached.body)
    },
    store: async (request, reply, payload) => {
      if (request.answerVersion !== null && reply.statusCode === 200 && typeof payload === 'string') {
        const etag = reply.getHeader('etag')
        answers.set(keyOf(request), request.answerVersion, new Answer(payload, typeof etag === 'string' ? etag : undefined))
      }
      return payload
    }
  })
}, { name: 'answer-cache', dependencies: ['database'] })
