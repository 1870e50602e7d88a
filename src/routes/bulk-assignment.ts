import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { bulkAssignService } from '../db/queries/bulk-assignment.js'
import { unknownIds } from '../db/queries/unknown-ids.js'
import { givenIdMessages, readIdList, readIds, type GivenId } from '../laravel/id-input.js'
import { joinErrorBags, type ErrorBag } from '../laravel/validation-messages.js'
import { ModelNotFoundError, ValidationFailedError } from '../http-errors.js'
import { BulkAssignmentBody, BulkAssignmentResult, MAX_BULK_IDS } from '../schemas/bulk-assignment.js'
import { bodyErrorStatuses, errorResponses } from '../schemas/common.js'
import { CustomerServiceParams } from '../schemas/customer-service.js'
import { bodySchemaErrors } from '../laravel/body-errors.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'
import { v1Write } from '../schemas/operations.js'

/** Both lists together are longer than the route takes: their elements are not read. */
function sizeErrors (attach: readonly unknown[], detach: readonly unknown[]): ErrorBag {
  if (attach.length + detach.length <= MAX_BULK_IDS) return {}
  return { attach: [`The attach and detach fields must not have more than ${MAX_BULK_IDS} items together.`] }
}

/**
 * Laravel's bag for the two lists, element by element in the order given: not an integer, or
 * (`exists`) no such customer; a detached id must not also be attached.
 */
function idErrors (attach: readonly GivenId[], detach: readonly GivenId[], unknownCustomers: ReadonlySet<number>): ErrorBag {
  const attaching = new Set(readIds(attach))
  const errors: ErrorBag = {}
  for (const element of attach) {
    const messages = givenIdMessages(element, unknownCustomers)
    if (messages.length > 0) errors[element.field] = messages
  }
  for (const element of detach) {
    const messages = givenIdMessages(element, unknownCustomers)
    if (element.id !== undefined && attaching.has(element.id)) messages.push(`The ${element.field} field must not also be in attach.`)
    if (messages.length > 0) errors[element.field] = messages
  }
  return errors
}

const bulkAssignmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/:id/customers', {
    schema: v1Write({
      tags: ['Customer services'],
      operationId: 'bulkAssignCustomerService',
      summary: 'Give a service to many customers, or take it from them',
      description: `Attaches the service to the customers in \`attach\` and detaches it from those in \`detach\` (at most ${MAX_BULK_IDS} ids ` +
        'together), all in one transaction: every id must name a customer, or nothing is applied. Customers that have ' +
        'the service already, or lack it already, are skipped; the answer lists those that changed. History is ' +
        'written for each change.',
      params: CustomerServiceParams,
      headers: ReasonHeaders,
      body: BulkAssignmentBody,
      response: { 200: BulkAssignmentResult, ...errorResponses(401, 404, ...bodyErrorStatuses) }
    }),
    preValidation: app.bindCustomerService,
    attachValidation: true
  }, async (request) => {
    const schemaErrors = bodySchemaErrors(request)
    // A list the schema refused as a whole (not a list, too long) is not read element by element.
    const listOf = (name: 'attach' | 'detach') => schemaErrors[name] === undefined ? request.body[name] ?? [] : []
    const tooMany = sizeErrors(listOf('attach'), listOf('detach'))
    const oversized = Object.keys(tooMany).length > 0
    const attach = oversized ? [] : readIdList('attach', listOf('attach'))
    const detach = oversized ? [] : readIdList('detach', listOf('detach'))
    const errorsBeforeLookup = joinErrorBags(tooMany, idErrors(attach, detach, new Set()), schemaErrors)
    if (Object.keys(errorsBeforeLookup).length > 0) {
      const unknown = await unknownIds(app.db, 'customers', readIds([...attach, ...detach]))
      throw new ValidationFailedError(joinErrorBags(tooMany, idErrors(attach, detach, unknown), schemaErrors))
    }
    const attachIds = readIds(attach)
    const detachIds = readIds(detach)
    const outcome = await bulkAssignService(app.db, request.params.id, attachIds, detachIds, changeContextOf(request))
    if (outcome.status === 'service_missing') throw new ModelNotFoundError('CustomerService', request.params.id)
    if (outcome.status === 'unknown_customers') throw new ValidationFailedError(idErrors(attach, detach, new Set(outcome.customerIds)))
    return { message: 'Customers updated successfully.', attached: outcome.attached, detached: outcome.detached }
  })
}

export default bulkAssignmentRoutes
