import fastifyAuth from '@fastify/auth'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { customerMayUse, type Access, type AccessRule } from '../domain/access.js'
import { findTokenOwner, revokeToken, touchToken, type TokenOwner } from '../db/queries/tokens.js'
import { TtlCache } from '../lib/ttl-cache.js'
import { ForbiddenError, UnauthenticatedError } from '../http-errors.js'
import type { User } from '../schemas/auth.js'
import { hashToken } from '../security/tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    verifyBearer: (request: FastifyRequest) => Promise<void>
    /**
     * Refuses a customer token a route its `config.access` does not open to it, or
     * another customer's path: an onRequest hook, after `verifyBearer`.
     */
    authorize: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void
    /** Revokes the token that authenticated the request, at once in this process. */
    revokeRequestToken: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    user: User | null
    tokenId: number | null
    tokenHash: string | null
    /** What the request's token may do, once verified. */
    access: Access | null
  }
  interface FastifyContextConfig {
    /** What a customer token may do on this route; without it, the route is for admin tokens only. */
    access?: AccessRule
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
  app.decorateRequest('access', null)
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
    request.access = owner.access
    if (owner.lastUsedAt === null || now.getTime() - owner.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
      owner.lastUsedAt = now
      await touchToken(app.db, owner.tokenId, now)
    }
  })

  // A callback hook: no promise per request for what is, for an admin token, one comparison.
  app.decorate('authorize', (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const access = request.access
    if (access === null) return done(new UnauthenticatedError())
    if (access.kind === 'customer' &&
      !customerMayUse(access.customerId, request.routeOptions.config.access, (request.params as { customer?: unknown }).customer)) {
      return done(new ForbiddenError())
    }
    done()
  })

  app.decorate('revokeRequestToken', async (request: FastifyRequest) => {
    if (request.tokenHash !== null) checked.delete(request.tokenHash)
    if (request.tokenId !== null) await revokeToken(app.db, request.tokenId)
  })
}, { name: 'auth', dependencies: ['database'] })
