import fastifyAuth from '@fastify/auth'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { findTokenOwner, revokeToken, touchToken, type TokenOwner } from '../db/queries/tokens.js'
import type { UserRecord } from '../db/queries/users.js'
import { TtlCache } from '../domain/ttl-cache.js'
import { UnauthenticatedError } from '../http-errors.js'
import { hashToken } from '../security/tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    verifyBearer: (request: FastifyRequest) => Promise<void>
    /** Revokes the token that authenticated the request, at once in this process. */
    revokeRequestToken: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    user: UserRecord | null
    tokenId: number | null
    tokenHash: string | null
  }
}

/** Checked tokens remembered per process, at most; the oldest are forgotten first. */
const TOKEN_CACHE_CAPACITY = 10_000
/** `last_used_at` is refreshed at most this often, so a busy token does not write on every request. */
const LAST_USED_PRECISION_MS = 60_000
const bearer = /^Bearer +([A-Za-z0-9_-]{16,256})\s*$/i

/**
 * Bearer tokens. A process remembers a token it has checked for `cacheTtlSeconds`
 * (never past its expiry): that bounds how long a token revoked through another
 * process stays usable here. A logout through this process takes effect at once.
 */
export default fp<{ cacheTtlSeconds: number }>(async (app, options) => {
  await app.register(fastifyAuth)
  app.decorateRequest('user', null)
  app.decorateRequest('tokenId', null)
  app.decorateRequest('tokenHash', null)
  const checked = new TtlCache<TokenOwner>(TOKEN_CACHE_CAPACITY, options.cacheTtlSeconds * 1000)

  app.decorate('verifyBearer', async (request: FastifyRequest) => {
    const match = bearer.exec(request.headers.authorization ?? '')
    if (match === null) throw new UnauthenticatedError()
    const tokenHash = hashToken(match[1] as string)
    const now = new Date()
    let owner = checked.get(tokenHash)
    if (owner === undefined) {
      owner = await findTokenOwner(app.db, tokenHash, now)
      if (owner === undefined) throw new UnauthenticatedError()
      checked.set(tokenHash, owner, owner.expiresAt.getTime())
    }
    request.user = owner.user
    request.tokenId = owner.tokenId
    request.tokenHash = tokenHash
    if (owner.lastUsedAt === null || now.getTime() - owner.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
      owner.lastUsedAt = now
      await touchToken(app.db, owner.tokenId, now)
    }
  })

  app.decorate('revokeRequestToken', async (request: FastifyRequest) => {
    if (request.tokenHash !== null) checked.delete(request.tokenHash)
    if (request.tokenId !== null) await revokeToken(app.db, request.tokenId)
  })
}, { name: 'auth', dependencies: ['database'] })
