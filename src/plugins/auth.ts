import fastifyAuth from '@fastify/auth'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { findTokenOwner, touchToken } from '../db/queries/tokens.js'
import type { UserRecord } from '../db/queries/users.js'
import { UnauthenticatedError } from '../http-errors.js'
import { hashToken } from '../security/tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    verifyBearer: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    user: UserRecord | null
    tokenId: number | null
  }
}

/** `last_used_at` is refreshed at most this often, so a busy token does not write on every request. */
const LAST_USED_PRECISION_MS = 60_000
const bearer = /^Bearer +([A-Za-z0-9_-]{16,256})\s*$/i

export default fp(async (app) => {
  await app.register(fastifyAuth)
  app.decorateRequest('user', null)
  app.decorateRequest('tokenId', null)

  app.decorate('verifyBearer', async (request: FastifyRequest) => {
    const match = bearer.exec(request.headers.authorization ?? '')
    if (match === null) throw new UnauthenticatedError()
    const now = new Date()
    const owner = await findTokenOwner(app.db, hashToken(match[1] as string), now)
    if (owner === undefined) throw new UnauthenticatedError()
    request.user = owner.user
    request.tokenId = owner.tokenId
    if (owner.lastUsedAt === null || now.getTime() - owner.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
      await touchToken(app.db, owner.tokenId, now)
    }
  })
}, { name: 'auth', dependencies: ['database'] })
