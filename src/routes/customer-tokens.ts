import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createToken, TokenCustomerMissingError } from '../db/queries/tokens.js'
import { abilitiesOf, accessOf } from '../domain/access.js'
import { toLaravelTimestamp } from '../domain/timestamps.js'
import { ModelNotFoundError, ValidationFailedError } from '../http-errors.js'
import { bodyErrorStatuses, errorResponses } from '../schemas/common.js'
import { CustomerParams } from '../schemas/customer.js'
import { CreateCustomerTokenBody, CustomerTokenResult } from '../schemas/customer-token.js'
import { generateToken, hashToken } from '../security/tokens.js'
import { v1Write } from '../schemas/operations.js'

const customerTokenRoutes: FastifyPluginAsyncTypebox<{ tokenTtlSeconds: number }> = async (app, options) => {
  app.post('/:customer/tokens', {
    schema: v1Write({
      tags: ['Authentication'],
      operationId: 'createCustomerToken',
      summary: 'Issue a customer token',
      description: 'An admin issues a token that acts for this customer only (ability `customer:{id}`): it may read ' +
        'the customer and its services and enable or disable the services that have `can_be_enabled`, nothing else. ' +
        'It lives `expires_in` seconds (by default, and at most, the server\'s TOKEN_TTL), is revoked by ' +
        '`POST /api/logout` with it, by `token:revoke` of the issuing user, and goes with the customer.',
      params: CustomerParams,
      body: CreateCustomerTokenBody,
      response: { 201: CustomerTokenResult, ...errorResponses(401, 404, ...bodyErrorStatuses) }
    }),
    preValidation: app.bindCustomer
  }, async (request, reply) => {
    const ttl = request.body.expires_in ?? options.tokenTtlSeconds
    if (ttl > options.tokenTtlSeconds) {
      throw new ValidationFailedError({ expires_in: [`The expires in field must not be greater than ${options.tokenTtlSeconds}.`] })
    }
    const token = generateToken()
    const customerId = request.params.customer
    const name = request.body.name ?? null
    let expiresAt: Date
    try {
      expiresAt = await createToken(app.db, (request.user as { id: number }).id, hashToken(token), ttl, { customerId, name })
    } catch (error) {
      if (error instanceof TokenCustomerMissingError) throw new ModelNotFoundError('Customer', customerId)
      throw error
    }
    return reply.code(201).send({
      token,
      token_type: 'Bearer' as const,
      expires_at: toLaravelTimestamp(expiresAt),
      abilities: abilitiesOf(accessOf(customerId)),
      name
    })
  })
}

export default customerTokenRoutes
