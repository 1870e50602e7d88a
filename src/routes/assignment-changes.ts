import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { assignService, unassignService } from '../db/queries/single-assignment.js'
import { ForbiddenError, ModelNotFoundError, NotAssignedError } from '../http-errors.js'
import {
  AssignedService,
  IfMatchHeaders,
  PreconditionFailedBody,
  ServiceReferenceParams,
  setTagHeader
} from '../schemas/assignment.js'
import { preconditionFailedMessage } from '../schemas/messages.js'
import { AssignServiceBody } from '../schemas/assignment-change.js'
import { bodyErrorStatuses, Deleted, errorResponses } from '../schemas/common.js'
import type { CountedCustomerService } from '../schemas/customer-service.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'
import { v1Write } from '../schemas/operations.js'

/**
 * A customer token may enable or disable, on its own customer (checked already), only a
 * service that says it may: `can_be_enabled`. The version is the contracted one, which
 * stays an administrator's to set.
 */
async function mayToggle (request: FastifyRequest): Promise<void> {
  if (request.access?.kind !== 'customer') return
  const service = request.customerService as CountedCustomerService
  const body = request.body as Record<string, unknown> | null | undefined
  const setsVersion = body !== null && typeof body === 'object' && !Array.isArray(body) && 'version' in body
  if (!service.can_be_enabled || setsVersion) throw new ForbiddenError()
}

const assignmentChangeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put('/:customer/services/:key', {
    config: { access: 'customer-toggle' },
    schema: v1Write({
      tags: ['Customer assignments'],
      operationId: 'assignCustomerService',
      summary: 'Give a customer one service',
      description: 'Attaches the service (201), or changes the `version` it is assigned with (200); a version not ' +
        'given is left as it is, and a request that changes nothing is a 200 that writes no history. `{key}` ' +
        'is the service\'s id or key. With `If-Match`, applied only if the set still has that tag (otherwise 412 ' +
        'and the current set). The `ETag` names the set afterwards. A customer token may attach a service with ' +
        '`can_be_enabled` to its own customer, without a `version`.',
      params: ServiceReferenceParams,
      headers: Type.Object({ ...ReasonHeaders.properties, ...IfMatchHeaders.properties }),
      body: AssignServiceBody,
      response: {
        200: { ...AssignedService, description: 'The customer had the service already; its pivot as it is now.', headers: setTagHeader() },
        201: { ...AssignedService, description: 'The service is attached; the service with its new pivot.', headers: setTagHeader() },
        412: { ...PreconditionFailedBody, headers: setTagHeader() },
        ...errorResponses(401, 404, ...bodyErrorStatuses)
      }
    }),
    preValidation: [app.bindCustomer, app.bindServiceReference, mayToggle]
  }, async (request, reply) => {
    const service = request.customerService as CountedCustomerService
    const attributes = Array.isArray(request.body) ? {} : request.body
    const outcome = await assignService(app.db, request.params.customer, service.id, attributes, changeContextOf(request), {
      ifMatch: request.headers['if-match']
    })
    if (outcome.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (outcome.status === 'service_missing') throw new ModelNotFoundError('CustomerService', request.params.key)
    if (outcome.status === 'precondition_failed') {
      return reply.code(412).header('etag', outcome.etag).send({ message: preconditionFailedMessage, services: outcome.services })
    }
    return reply.code(outcome.status === 'attached' ? 201 : 200).header('etag', outcome.etag).send(outcome.service)
  })

  app.delete('/:customer/services/:key', {
    config: { access: 'customer-toggle' },
    schema: v1Write({
      tags: ['Customer assignments'],
      operationId: 'unassignCustomerService',
      summary: 'Take one service from a customer',
      description: 'Detaches the service; 404 when the customer does not have it. `{key}` is the service\'s ' +
        'id or key. With `If-Match`, applied only if the set still has that tag (otherwise 412 and the current ' +
        'set). The `ETag` names the set afterwards. A customer token may detach a service with `can_be_enabled` ' +
        'from its own customer.',
      params: ServiceReferenceParams,
      headers: Type.Object({ ...ReasonHeaders.properties, ...IfMatchHeaders.properties }),
      response: {
        204: { ...Deleted, headers: setTagHeader() },
        412: { ...PreconditionFailedBody, headers: setTagHeader() },
        ...errorResponses(400, 401, 404, 422)
      }
    }),
    preValidation: [app.bindCustomer, app.bindServiceReference, mayToggle]
  }, async (request, reply) => {
    const service = request.customerService as CountedCustomerService
    const outcome = await unassignService(app.db, request.params.customer, service.id, changeContextOf(request), {
      ifMatch: request.headers['if-match']
    })
    if (outcome.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (outcome.status === 'not_assigned') throw new NotAssignedError(request.params.customer, service.key)
    if (outcome.status === 'precondition_failed') {
      return reply.code(412).header('etag', outcome.etag).send({ message: preconditionFailedMessage, services: outcome.services })
    }
    return reply.code(204).header('etag', outcome.etag).send(null)
  })
}

export default assignmentChangeRoutes
