import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { findAssignedService, listServicesOfCustomer, listServicesOfCustomerAt, syncServices } from '../db/queries/assignments.js'
import { catalogFilters, catalogSorts, type CatalogFilter, type CatalogSort } from '../db/queries/customer-services.js'
import { unknownIds } from '../db/queries/unknown-ids.js'
import { parseDateTime } from '../domain/date-time.js'
import type { ListQuery } from '../laravel/list-query.js'
import { givenIdErrors, readIds } from '../laravel/id-input.js'
import { readSyncRequest } from '../laravel/sync-request.js'
import { joinErrorBags } from '../laravel/validation-messages.js'
import { ModelNotFoundError, ValidationFailedError } from '../http-errors.js'
import {
  AssignedService,
  exampleAssignedService,
  IfMatchHeaders,
  ListedAssignedService,
  PointInTimeQuery,
  PreconditionFailedBody,
  ServiceReferenceParams,
  setTagHeader,
  SyncBody,
  SyncResult
} from '../schemas/assignment.js'
import { preconditionFailedMessage } from '../schemas/messages.js'
import { bodyErrorStatuses, errorResponses, ListQuerystring, Paginated } from '../schemas/common.js'
import { CustomerParams } from '../schemas/customer.js'
import { bodySchemaErrors } from '../laravel/body-errors.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'
import { v1Read, v1Write } from '../schemas/operations.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The list's `at`, read before the list query is brought to its documented form. */
    pointInTime: Date | null
  }
}

const assignmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.decorateRequest('pointInTime', null)

  app.get('/:customer/services', {
    config: { access: 'customer-read' },
    schema: v1Read({
      tags: ['Customer assignments'],
      operationId: 'listCustomerAssignedServices',
      summary: "List a customer's services",
      description: 'A page of the services the customer has, each with its `pivot` (version, when assigned). ' +
        'Same filters and sorts as the catalog. The `ETag` names the whole current set, for a sync\'s `If-Match`. ' +
        'With `at`, the services the customer had at that time, rebuilt from its history, services deleted from the ' +
        'catalog since included (with `deleted_at` set).',
      params: CustomerParams,
      querystring: Type.Object({ ...ListQuerystring(catalogFilters, catalogSorts).properties, ...PointInTimeQuery.properties }),
      response: {
        200: {
          ...Paginated(ListedAssignedService, "A page of the customer's services.", { path: 'customers/42/services', item: exampleAssignedService }),
          headers: setTagHeader()
        },
        ...errorResponses(400, 401, 404, 422)
      }
    }),
    preValidation: [app.bindCustomer, readPointInTime, app.listQuery({ filters: catalogFilters, sorts: catalogSorts })]
  }, async (request, reply) => {
    const list = request.list as ListQuery<CatalogFilter, CatalogSort>
    if (request.pointInTime !== null) {
      const page = await listServicesOfCustomerAt(app.db, request.params.customer, list, request.pointInTime)
      return request.paginate(page.rows, page.total)
    }
    const page = await listServicesOfCustomer(app.db, request.params.customer, list)
    reply.header('etag', page.etag)
    return request.paginate(page.rows, page.total)
  })

  app.post('/:customer/services', {
    schema: v1Write({
      tags: ['Customer assignments'],
      operationId: 'syncCustomerServices',
      summary: "Replace a customer's services",
      description: 'Afterwards the customer has exactly the services given (an empty list removes them all). ' +
        'Services already assigned keep their timestamps unless given attributes differ. Applied atomically; ' +
        'concurrent syncs of one customer apply one after the other. Every change is recorded in the customer\'s ' +
        'history (with the `X-Reason` header, if sent) and in the change events. With `If-Match`, applied only if ' +
        'the set still has that tag (otherwise 412 and the current set). The `ETag` names the set afterwards.',
      params: CustomerParams,
      headers: Type.Object({ ...ReasonHeaders.properties, ...IfMatchHeaders.properties }),
      body: SyncBody,
      response: {
        201: { ...SyncResult, headers: setTagHeader() },
        412: { ...PreconditionFailedBody, headers: setTagHeader() },
        ...errorResponses(401, 404, ...bodyErrorStatuses)
      }
    }),
    preValidation: app.bindCustomer,
    attachValidation: true
  }, async (request, reply) => {
    const schemaErrors = bodySchemaErrors(request)
    // A list the schema refused as a whole (not a list, too long) is not read element by element.
    const { desired, given } = readSyncRequest(schemaErrors.services === undefined ? request.body.services : undefined)
    if (Object.keys(schemaErrors).length > 0 || given.some(({ id }) => id === undefined)) {
      const unknown = await unknownIds(app.db, 'customer_services', readIds(given))
      throw new ValidationFailedError(joinErrorBags(givenIdErrors(given, unknown), schemaErrors))
    }
    const outcome = await syncServices(app.db, request.params.customer, desired, changeContextOf(request), {
      ifMatch: request.headers['if-match']
    })
    if (outcome.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (outcome.status === 'unknown_services') throw new ValidationFailedError(givenIdErrors(given, new Set(outcome.serviceIds)))
    if (outcome.status === 'precondition_failed') {
      return reply.code(412).header('etag', outcome.etag).send({ message: preconditionFailedMessage, services: outcome.services })
    }
    app.metrics.recordSync(outcome)
    return reply.code(201).header('etag', outcome.etag).send({
      message: 'Services synced successfully.',
      attached: outcome.attached,
      detached: outcome.detached,
      updated: outcome.updated
    })
  })

  app.get('/:customer/services/:key', {
    config: { access: 'customer-read' },
    schema: v1Read({
      tags: ['Customer assignments'],
      operationId: 'checkCustomerService',
      summary: 'Feature-flag check',
      description: 'The service with its pivot when the customer has the service with this key (or id); 404 when not.',
      params: ServiceReferenceParams,
      response: { 200: AssignedService, ...errorResponses(400, 401, 404) }
    }),
    preValidation: app.checkCustomerId
  }, async (request) => {
    const lookup = await findAssignedService(app.db, request.params.customer, request.params.key)
    if (lookup.status === 'customer_missing') throw new ModelNotFoundError('Customer', request.params.customer)
    if (lookup.status === 'not_assigned') throw new ModelNotFoundError('CustomerService', request.params.key)
    return lookup.service
  })
}

/** `at` is read first: the list query's hook keeps only the list's own parameters. */
async function readPointInTime (request: FastifyRequest): Promise<void> {
  const raw = (request.query as Record<string, unknown>).at
  // An empty value (`at=`, which the query parser reads as null) means no value, as for filters.
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return
  const at = typeof raw === 'string' ? parseDateTime(raw.trim()) : undefined
  if (at === undefined) {
    throw new ValidationFailedError({ at: ['The at field must be a valid ISO-8601 date and time with a zone, such as 2026-01-01T00:00:00Z.'] })
  }
  request.pointInTime = at
}

export default assignmentRoutes
