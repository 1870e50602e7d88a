import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { CountedCustomerService } from '../db/queries/customer-services.js'
import { assignService, unassignService } from '../db/queries/single-assignment.js'
import { ForbiddenError, ModelNotFoundError, NotAssignedError } from '../http-errors.js'
import { AssignedService, ServiceReferenceParams } from '../schemas/assignment.js'
import { AssignServiceBody } from '../schemas/assignment-change.js'
import { bodyErrorStatuses, Deleted, errorResponses } from '../schemas/common.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'

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
    schema: {
      tags: ['Customer assignments'],
      operationId: 'assignCustomerService',
      summary: 'Give a customer one service',
      description: 'Attaches the service (201), or changes the `version` it is assigned with (200); a version not ' +
        'given is left as it is, and a request that changes nothing is a 200 that writes no history. `{key}` ' +
        'is the service\'s id or key. A customer token may attach a service with `can_be_enabled` to its own ' +
        'customer, without a `version`.',
      params: ServiceReferenceParams,
      headers: ReasonHeaders,
      body: AssignServiceBody,
      response: {
        200: { ...AssignedService, description: 'The customer had the service already; its pivot as it is now.' },
        201: { ...AssignedService, description: 'The service is attached; the service with its new pivot.' },
        ...errorResponses(401, 404, ...bodyErrorStatuses)
      }
    },
    preValidation: [app.bindCustomer, app.bindServiceReference, mayToggle]
  }, async (request, reply) => {
    const service = request.customerService as CountedCustomerService
    const attributes = Array.isArray(request.body) ? {} : request.body
    const outcome = await assignService(app.db, app.dialect, request.params.customer, service.id, attributes, changeContextOf(request))
    if (outcome.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (outcome.status === 'service_missing') throw new ModelNotFoundError('CustomerService', request.params.key)
    return reply.code(outcome.status === 'attached' ? 201 : 200).send(outcome.service)
  })

  app.delete('/:customer/services/:key', {
    config: { access: 'customer-toggle' },
    schema: {
      tags: ['Customer assignments'],
      operationId: 'unassignCustomerService',
      summary: 'Take one service from a customer',
      description: 'Detaches the service; 404 when the customer does not have it. `{key}` is the service\'s ' +
        'id or key. A customer token may detach a service with `can_be_enabled` from its own customer.',
      params: ServiceReferenceParams,
      headers: ReasonHeaders,
      response: { 204: Deleted, ...errorResponses(400, 401, 404, 422) }
    },
    preValidation: [app.bindCustomer, app.bindServiceReference, mayToggle]
  }, async (request, reply) => {
    const service = request.customerService as CountedCustomerService
    const outcome = await unassignService(app.db, app.dialect, request.params.customer, service.id, changeContextOf(request))
    if (outcome === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (outcome === 'not_assigned') throw new NotAssignedError(request.params.customer, service.key)
    return reply.code(204).send(null)
  })
}

export default assignmentChangeRoutes
