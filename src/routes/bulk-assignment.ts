import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { bulkAssignService } from '../db/queries/bulk-assignment.js'
import type { ErrorBag } from '../domain/validation-messages.js'
import { ModelNotFoundError, ValidationFailedError } from '../http-errors.js'
import { BulkAssignmentBody, BulkAssignmentResult, MAX_BULK_IDS } from '../schemas/bulk-assignment.js'
import { bodyErrorStatuses, errorResponses } from '../schemas/common.js'
import { CustomerServiceParams } from '../schemas/customer-service.js'
import { changeContextOf, ReasonHeaders } from './change-context.js'

/** Laravel's `exists` message for each place an unknown id was given, in the order given. */
function unknownCustomerErrors (unknownIds: readonly number[], attach: readonly number[], detach: readonly number[]): ErrorBag {
  const unknown = new Set(unknownIds)
  const errors: ErrorBag = {}
  for (const [list, ids] of [['attach', attach], ['detach', detach]] as const) {
    ids.forEach((id, index) => {
      if (unknown.has(id)) errors[`${list}.${index}`] = [`The selected ${list}.${index} is invalid.`]
    })
  }
  return errors
}

function requestErrors (attach: readonly number[], detach: readonly number[]): ErrorBag {
  const errors: ErrorBag = {}
  if (attach.length + detach.length > MAX_BULK_IDS) {
    errors.attach = [`The attach and detach fields must not have more than ${MAX_BULK_IDS} items together.`]
  }
  const attaching = new Set(attach)
  detach.forEach((id, index) => {
    if (attaching.has(id)) errors[`detach.${index}`] = [`The detach.${index} field must not also be in attach.`]
  })
  return errors
}

const bulkAssignmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/:id/customers', {
    schema: {
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
    },
    preValidation: app.bindCustomerService
  }, async (request) => {
    const attach = request.body.attach ?? []
    const detach = request.body.detach ?? []
    const errors = requestErrors(attach, detach)
    if (Object.keys(errors).length > 0) throw new ValidationFailedError(errors)
    const outcome = await bulkAssignService(app.db, app.dialect, request.params.id, attach, detach, changeContextOf(request))
    if (outcome.status === 'service_missing') throw new ModelNotFoundError('CustomerService', request.params.id)
    if (outcome.status === 'unknown_customers') throw new ValidationFailedError(unknownCustomerErrors(outcome.customerIds, attach, detach))
    return { message: 'Customers updated successfully.', attached: outcome.attached, detached: outcome.detached }
  })
}

export default bulkAssignmentRoutes
