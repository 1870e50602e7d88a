import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { historyFilters, historySorts, listHistory, type HistoryScope } from '../db/queries/history.js'
import { readHistoryFilters } from '../laravel/history-filters.js'
import { ValidationFailedError } from '../http-errors.js'
import { errorResponses, Paginated } from '../schemas/common.js'
import { CustomerServiceParams } from '../schemas/customer-service.js'
import { CustomerParams } from '../schemas/customer.js'
import { exampleHistoryEntry, HistoryEntry, HistoryQuerystring } from '../schemas/history.js'
import { v1Read } from '../schemas/operations.js'

const listSpec = { filters: historyFilters, sorts: historySorts, defaultSorts: [{ field: 'id', direction: 'desc' }] } as const

/**
 * The assignment history, read-only: rows are appended by the writes that change
 * assignments, in their transactions, and no route changes or removes them.
 */
const historyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const answer = async (request: FastifyRequest, scope: HistoryScope) => {
    const list = request.list
    if (list === null) throw new Error('a history route needs the list query')
    const { filters, errors } = readHistoryFilters(list.filters)
    if (Object.keys(errors).length > 0) throw new ValidationFailedError(errors)
    const newestFirst = list.sorts[0]?.direction !== 'asc'
    const page = await listHistory(app.db, scope, { filters, newestFirst, page: list.page, perPage: list.perPage })
    return request.paginate(page.rows, page.total)
  }

  app.get('/customers/:customer/services/history', {
    schema: v1Read({
      tags: ['Assignment history'],
      operationId: 'listCustomerAssignmentHistory',
      summary: "A customer's assignment history",
      description: 'Every change of the customer\'s services (attached, detached, updated), newest first, with the ' +
        'versions before and after, who made it and why. Filter by `action`, `service_key`, and a time range ' +
        '`from`/`to` (inclusive). A deleted customer\'s history is a 404 here, as its other routes are; it stays in ' +
        'each service\'s history. Shadows the feature-flag check of a service keyed `history`.',
      params: CustomerParams,
      querystring: HistoryQuerystring,
      response: {
        200: Paginated(HistoryEntry, "A page of the customer's assignment history.", { path: 'customers/42/services/history', item: exampleHistoryEntry }),
        ...errorResponses(400, 401, 404, 422)
      }
    }),
    preValidation: [app.bindCustomer, app.listQuery(listSpec)]
  }, async (request) => await answer(request, { customerId: request.params.customer }))

  app.get('/customer-services/:id/history', {
    schema: v1Read({
      tags: ['Assignment history'],
      operationId: 'listServiceAssignmentHistory',
      summary: "A service's assignment history",
      description: 'Every change of any customer\'s assignment of this service, newest first, including those of ' +
        'customers deleted since. Same filters as the customer\'s history.',
      params: CustomerServiceParams,
      querystring: HistoryQuerystring,
      response: {
        200: Paginated(HistoryEntry, "A page of the service's assignment history.", { path: 'customer-services/7/history', item: exampleHistoryEntry }),
        ...errorResponses(400, 401, 404, 422)
      }
    }),
    preValidation: [app.bindCustomerService, app.listQuery(listSpec)]
  }, async (request) => await answer(request, { serviceId: request.params.id }))
}

export default historyRoutes
