import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { findAssignedService, listServicesOfCustomer, syncServices } from '../db/queries/assignments.js'
import { catalogFilters, catalogSorts, type CatalogFilter, type CatalogSort } from '../db/queries/customer-services.js'
import type { ListQuery } from '../domain/list-query.js'
import { readSyncRequest, unknownServiceErrors } from '../domain/sync-request.js'
import { ModelNotFoundError, ValidationFailedError } from '../http-errors.js'
import { AssignedService, AssignmentParams, exampleAssignedService, SyncBody, SyncResult } from '../schemas/assignment.js'
import { bodyErrorStatuses, errorResponses, ListQuerystring, Paginated } from '../schemas/common.js'
import { CustomerParams } from '../schemas/customer.js'

const assignmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/:customer/services', {
    config: { access: 'customer-read' },
    schema: {
      tags: ['Customer assignments'],
      operationId: 'listCustomerAssignedServices',
      summary: "List a customer's services",
      description: 'A page of the services the customer has, each with its `pivot` (version, when assigned). ' +
        'Same filters and sorts as the catalog.',
      params: CustomerParams,
      querystring: ListQuerystring(catalogFilters, catalogSorts),
      response: { 200: Paginated(AssignedService, "A page of the customer's services.", { path: 'customers/42/services', item: exampleAssignedService }), ...errorResponses(400, 401, 404) }
    },
    preValidation: [app.bindCustomer, app.listQuery({ filters: catalogFilters, sorts: catalogSorts })]
  }, async (request) => {
    const page = await listServicesOfCustomer(app.db, request.params.customer, request.list as ListQuery<CatalogFilter, CatalogSort>)
    return request.paginate(page.rows, page.total)
  })

  app.post('/:customer/services', {
    schema: {
      tags: ['Customer assignments'],
      operationId: 'syncCustomerServices',
      summary: "Replace a customer's services",
      description: 'Afterwards the customer has exactly the services given (an empty list removes them all). ' +
        'Services already assigned keep their timestamps unless given attributes differ. Applied atomically; ' +
        'concurrent syncs of one customer apply one after the other.',
      params: CustomerParams,
      body: SyncBody,
      response: { 201: SyncResult, ...errorResponses(401, 404, ...bodyErrorStatuses) }
    },
    preValidation: app.bindCustomer
  }, async (request, reply) => {
    const { desired, fieldOf, errors } = readSyncRequest(request.body.services)
    if (Object.keys(errors).length > 0) throw new ValidationFailedError(errors)
    const outcome = await syncServices(app.db, app.dialect, request.params.customer, desired)
    if (outcome.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (outcome.status === 'unknown_services') throw new ValidationFailedError(unknownServiceErrors(outcome.serviceIds, fieldOf))
    app.metrics.recordSync(outcome)
    return reply.code(201).send({
      message: 'Services synced successfully.',
      attached: outcome.attached,
      detached: outcome.detached,
      updated: outcome.updated
    })
  })

  app.get('/:customer/services/:key', {
    config: { access: 'customer-read' },
    schema: {
      tags: ['Customer assignments'],
      operationId: 'checkCustomerService',
      summary: 'Feature-flag check',
      description: 'The service with its pivot when the customer has the service with this key; 404 when not.',
      params: AssignmentParams,
      response: { 200: AssignedService, ...errorResponses(400, 401, 404) }
    },
    preValidation: app.checkCustomerId
  }, async (request) => {
    const lookup = await findAssignedService(app.db, request.params.customer, request.params.key)
    if (lookup.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (lookup.status === 'not_assigned') throw new ModelNotFoundError('CustomerService', request.params.key)
    return lookup.service
  })
}

export default assignmentRoutes
