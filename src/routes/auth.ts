import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createToken } from '../db/queries/tokens.js'
import { findUserForLogin } from '../db/queries/users.js'
import { InvalidCredentialsError } from '../http-errors.js'
import { LoginBody, LoginResult, LogoutResult } from '../schemas/auth.js'
import { bodyErrorStatuses, errorResponses, withRateLimit } from '../schemas/common.js'
import { withSharedErrors } from '../schemas/operations.js'
import { decoyPasswordHash, verifyPassword } from '../security/passwords.js'
import { generateToken, hashToken } from '../security/tokens.js'

const authRoutes: FastifyPluginAsyncTypebox<{ tokenTtlSeconds: number }> = async (app, options) => {
  app.addHook('onReady', async () => { await decoyPasswordHash() })

  app.post('/login', {
    schema: {
      tags: ['Authentication'],
      operationId: 'login',
      summary: 'Log in',
      description: 'Exchanges an email and password for a bearer token. The credentials may come as a JSON body or, ' +
        'as the official PHP SDK sends them, as query parameters with no body.',
      security: [],
      body: LoginBody,
      // Rate-limited per IP address and email.
      response: withRateLimit(withSharedErrors({ 200: LoginResult, ...errorResponses(401, ...bodyErrorStatuses) }, { body: true }))
    },
    preValidation: [async (request) => {
      // Only a missing body (read as `{}`) falls back to the query; any other non-object stays for validation to refuse.
      const body: unknown = request.body
      const isEmptyObject = body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0
      if (isEmptyObject) request.body = { ...request.query as typeof request.body }
    }, app.throttleLogin]
  }, async (request) => {
    const user = await findUserForLogin(app.db, request.body.email)
    // The same work whether or not the account exists: no way to learn which emails do.
    const valid = await verifyPassword(request.body.password, user?.password ?? await decoyPasswordHash())
    if (user === undefined || !valid) throw new InvalidCredentialsError()
    const token = generateToken()
    await createToken(app.db, user.id, hashToken(token), options.tokenTtlSeconds)
    return { token, user: { id: user.id, name: user.name, email: user.email } }
  })

  app.post('/logout', {
    schema: {
      tags: ['Authentication'],
      operationId: 'logout',
      summary: 'Log out',
      description: 'Revokes the token that authenticates this request.',
      security: [{ bearerAuth: [] }],
      // Rate-limited against its token.
      response: withRateLimit(withSharedErrors({ 200: LogoutResult, ...errorResponses(400, 401, 413, 415) }, { body: true }))
    },
    onRequest: [app.auth([app.verifyBearer]), app.throttleToken]
  }, async (request) => {
    await app.revokeRequestToken(request)
    return { message: 'Successfully logged out.' }
  })
}

export default authRoutes
