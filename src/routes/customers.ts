import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  createCustomer,
  customerFilters,
  customerSorts,
  deleteCustomer,
  listCustomers,
  updateCustomer,
  type CustomerFilter,
  type CustomerSort
} from '../db/queries/customers.js'
import type { ListQuery } from '../laravel/list-query.js'
import { ModelNotFoundError } from '../http-errors.js'
import { bodyErrorStatuses, Deleted, errorResponses, ListQuerystring, Paginated } from '../schemas/common.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'
import { CreateCustomerBody, Customer, CustomerParams, exampleCustomer, UpdateCustomerBody } from '../schemas/customer.js'
import { v1Read, v1Write } from '../schemas/operations.js'

const customerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: v1Read({
      tags: ['Customers'],
      operationId: 'listCustomers',
      summary: 'List customers',
      description: 'A page of customers. Filter by `name` or `customer_account` (case-insensitive substrings), ' +
        'sort by id, name, customer_account, created_at or updated_at.',
      querystring: ListQuerystring(customerFilters, customerSorts),
      response: { 200: Paginated(Customer, 'A page of customers.', { path: 'customers', item: exampleCustomer }), ...errorResponses(400, 401) }
    }),
    preValidation: app.listQuery({ filters: customerFilters, sorts: customerSorts })
  }, async (request) => {
    const page = await listCustomers(app.db, request.list as ListQuery<CustomerFilter, CustomerSort>)
    return request.paginate(page.rows, page.total)
  })

  app.post('/', {
    schema: v1Write({
      tags: ['Customers'],
      operationId: 'createCustomer',
      summary: 'Add a customer',
      description: 'Creates a customer; its account number (`CL` and the zero-padded id) is assigned automatically.',
      body: CreateCustomerBody,
      headers: ReasonHeaders,
      response: { 201: Customer, ...errorResponses(401, ...bodyErrorStatuses) }
    })
  }, async (request, reply) => {
    return reply.code(201).send(await createCustomer(app.db, request.body.name, changeContextOf(request)))
  })

  app.get('/:customer', {
    config: { access: 'customer-read' },
    schema: v1Read({
      tags: ['Customers'],
      operationId: 'getCustomer',
      summary: 'Show a customer',
      description: 'One customer.',
      params: CustomerParams,
      response: { 200: Customer, ...errorResponses(400, 401, 404) }
    }),
    preValidation: app.bindCustomer
  }, async (request) => request.customer as Customer)

  app.patch('/:customer', {
    schema: v1Write({
      tags: ['Customers'],
      operationId: 'updateCustomer',
      summary: 'Rename a customer',
      description: 'Changes the customer\'s name; the account number never changes.',
      params: CustomerParams,
      body: UpdateCustomerBody,
      headers: ReasonHeaders,
      response: { 200: Customer, ...errorResponses(401, 404, ...bodyErrorStatuses) }
    }),
    preValidation: app.bindCustomer
  }, async (request) => {
    const customer = await updateCustomer(app.db, request.params.customer, request.body, changeContextOf(request))
    if (customer === undefined) throw new ModelNotFoundError('Customer', request.params.customer)
    return customer
  })

  app.delete('/:customer', {
    schema: v1Write({
      tags: ['Customers'],
      operationId: 'deleteCustomer',
      summary: 'Delete a customer',
      description: 'Deletes the customer and all its service assignments; each removal is recorded in the ' +
        'assignment history (with the `X-Reason` header, if sent) and the change events.',
      params: CustomerParams,
      headers: ReasonHeaders,
      response: { 204: Deleted, ...errorResponses(400, 401, 404, 422) }
    }),
    preValidation: app.bindCustomer
  }, async (request, reply) => {
    if (!await deleteCustomer(app.db, request.params.customer, changeContextOf(request))) {
      throw new ModelNotFoundError('Customer', request.params.customer)
    }
    return reply.code(204).send(null)
  })
}

export default customerRoutes
