import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  catalogFilters,
  catalogSorts,
  createCustomerService,
  deleteCustomerService,
  KeyTakenError,
  listCustomerServices,
  updateCustomerService,
  type CatalogFilter,
  type CatalogSort
} from '../db/queries/customer-services.js'
import { Readable } from 'node:stream'
import { customerFilters, customersOfServiceInChunks, customerSorts, listCustomersOfService, type CustomerFilter, type CustomerSort } from '../db/queries/customers.js'
import { jsonWithStreamedArray } from '../lib/json-stream.js'
import { toBoolean } from '../laravel/input.js'
import type { ListQuery } from '../laravel/list-query.js'
import { ModelNotFoundError, ServiceInUseError, ValidationFailedError } from '../http-errors.js'
import { bodyErrorStatuses, Deleted, errorResponses, ListQuerystring, Paginated } from '../schemas/common.js'
import {
  CountedCustomerService,
  CreateCustomerServiceBody,
  exampleService,
  CustomerServiceParams,
  CustomerServiceWithCustomers,
  CustomerSummary,
  ServiceInUseBody,
  UpdateCustomerServiceBody
} from '../schemas/customer-service.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'
import { v1Read, v1Write } from '../schemas/operations.js'

/** Customers read per query by the show endpoint; a service with more is streamed. */
const SHOW_CHUNK_SIZE = 1000

const keyTaken = () => new ValidationFailedError({ key: ['The key has already been taken.'] })

/**
 * `GET /customers/{customer}/services/history` is the customer's assignment history, so the
 * feature-flag check of a service keyed `history` could never be reached: the key is refused.
 */
const reservedKeys = new Set(['history'])
function refuseReservedKey (key: string | undefined): void {
  if (key !== undefined && reservedKeys.has(key)) throw new ValidationFailedError({ key: [`The key ${key} is reserved.`] })
}

const customerServiceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: v1Read({
      tags: ['Customer services'],
      operationId: 'listCustomerServices',
      summary: 'List the catalog',
      description: 'A page of the catalog, each entry with the number of customers that have it. ' +
        'Filter by `name` or `key` (case-insensitive substrings), sort by id, name, key, created_at or updated_at.',
      querystring: ListQuerystring(catalogFilters, catalogSorts),
      response: { 200: Paginated(CountedCustomerService, 'A page of the catalog.', { path: 'customer-services', item: { ...exampleService, customers_count: 12 } }), ...errorResponses(400, 401) }
    }),
    preValidation: app.listQuery({ filters: catalogFilters, sorts: catalogSorts })
  }, async (request) => {
    const page = await listCustomerServices(app.db, request.list as ListQuery<CatalogFilter, CatalogSort>)
    return request.paginate(page.rows, page.total)
  })

  app.get('/:id', {
    schema: v1Read({
      tags: ['Customer services'],
      operationId: 'getCustomerService',
      summary: 'Show a service',
      description: 'The catalog entry with every customer that has it (ordered by id). A service with many ' +
        'customers is streamed; `GET /api/v1/customer-services/{id}/customers` pages through them instead.',
      params: CustomerServiceParams,
      response: { 200: CustomerServiceWithCustomers, ...errorResponses(400, 401, 404) }
    }),
    preValidation: app.bindCustomerService
  }, async (request, reply) => {
    const service = request.customerService as CountedCustomerService
    const chunks = customersOfServiceInChunks(app.db, service.id, SHOW_CHUNK_SIZE)
    const first = await chunks.next()
    const customers = first.done === true ? [] : first.value
    if (customers.length < SHOW_CHUNK_SIZE) return { ...service, customers }
    // Too many to hold at once: the same JSON, written chunk by chunk as the rows are read.
    const rest = async function * () { yield customers; yield * chunks }
    const body = Readable.from(jsonWithStreamedArray(service, 'customers', rest()))
    // A stream bypasses the schema's serializer, whose output jsonWithStreamedArray reproduces.
    return reply.type('application/json; charset=utf-8').send(body as never)
  })

  app.get('/:id/customers', {
    schema: v1Read({
      tags: ['Customer services'],
      operationId: 'listCustomersOfService',
      summary: 'List the customers that have a service',
      description: 'A page of the customers that have the service: the scalable way to read the `customers` of ' +
        'the show endpoint. Filter by `name` or `customer_account`, sort by id, name, customer_account, created_at ' +
        'or updated_at.',
      params: CustomerServiceParams,
      querystring: ListQuerystring(customerFilters, customerSorts),
      response: {
        200: Paginated(CustomerSummary, 'A page of the customers that have the service.', {
          path: 'customer-services/7/customers', item: { id: 42, name: 'ACME Telecom', customer_account: 'CL000042' }
        }),
        ...errorResponses(400, 401, 404)
      }
    }),
    preValidation: [app.bindCustomerService, app.listQuery({ filters: customerFilters, sorts: customerSorts })]
  }, async (request) => {
    const page = await listCustomersOfService(app.db, request.params.id, request.list as ListQuery<CustomerFilter, CustomerSort>)
    return request.paginate(page.rows, page.total)
  })

  app.post('/', {
    schema: v1Write({
      tags: ['Customer services'],
      operationId: 'createCustomerService',
      summary: 'Add a service to the catalog',
      description: 'Creates a catalog entry. The key must be unique, and not `history` (reserved: that path is a customer\'s assignment history).',
      body: CreateCustomerServiceBody,
      headers: ReasonHeaders,
      response: { 201: CountedCustomerService, ...errorResponses(401, ...bodyErrorStatuses) }
    })
  }, async (request, reply) => {
    const { key, name, description, can_be_enabled: canBeEnabled } = request.body
    refuseReservedKey(key)
    try {
      const service = await createCustomerService(app.db, {
        key,
        name,
        description: description ?? null,
        can_be_enabled: canBeEnabled === undefined ? false : toBoolean(canBeEnabled)
      }, changeContextOf(request))
      return reply.code(201).send(service)
    } catch (error) {
      if (error instanceof KeyTakenError) throw keyTaken()
      throw error
    }
  })

  app.patch('/:id', {
    schema: v1Write({
      tags: ['Customer services'],
      operationId: 'updateCustomerService',
      summary: 'Change a service',
      description: 'Changes any of key, name, description and can_be_enabled (the key `history` is reserved).',
      params: CustomerServiceParams,
      body: UpdateCustomerServiceBody,
      headers: ReasonHeaders,
      response: { 200: CountedCustomerService, ...errorResponses(401, 404, ...bodyErrorStatuses) }
    }),
    preValidation: app.bindCustomerService
  }, async (request) => {
    const { key, name, description, can_be_enabled: canBeEnabled } = request.body
    refuseReservedKey(key)
    try {
      const service = await updateCustomerService(app.db, request.params.id, {
        key,
        name,
        description,
        can_be_enabled: canBeEnabled === undefined ? undefined : toBoolean(canBeEnabled)
      }, changeContextOf(request))
      if (service === undefined) throw new ModelNotFoundError('CustomerService', request.params.id)
      return service
    } catch (error) {
      if (error instanceof KeyTakenError) throw keyTaken()
      throw error
    }
  })

  app.delete('/:id', {
    schema: v1Write({
      tags: ['Customer services'],
      operationId: 'deleteCustomerService',
      summary: 'Remove a service from the catalog',
      description: 'Deletes a catalog entry that no customer has; 409 while customers still have it.',
      params: CustomerServiceParams,
      headers: ReasonHeaders,
      response: { 204: Deleted, 409: ServiceInUseBody, ...errorResponses(400, 401, 404, 422) }
    }),
    preValidation: app.bindCustomerService
  }, async (request, reply) => {
    const outcome = await deleteCustomerService(app.db, request.params.id, changeContextOf(request))
    if (outcome.status === 'missing') throw new ModelNotFoundError('CustomerService', request.params.id)
    if (outcome.status === 'assigned') throw new ServiceInUseError(outcome.customersCount)
    return reply.code(204).send(null)
  })
}

export default customerServiceRoutes
