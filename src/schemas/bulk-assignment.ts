import { Type } from 'typebox'
import { IdInput, Id } from './common.js'

/** Ids in `attach` and `detach` together, at most. */
export const MAX_BULK_IDS = 10_000

const CustomerIds = (description: string) => Type.Array(IdInput, { maxItems: MAX_BULK_IDS, description })

export const BulkAssignmentBody = Type.Object({
  attach: Type.Optional(CustomerIds('Ids of customers that must have the service; those that have it already are skipped.')),
  detach: Type.Optional(CustomerIds('Ids of customers that must not have the service; those that do not are skipped.'))
}, {
  description: `At most ${MAX_BULK_IDS} ids in the two lists together; an id may not be in both.`,
  examples: [{ attach: [42, 43, 44], detach: [7] }]
})

export const BulkAssignmentResult = Type.Object({
  message: Type.String(),
  attached: Type.Array(Id, { description: 'Ids of the customers that got the service, ascending.' }),
  detached: Type.Array(Id, { description: 'Ids of the customers that lost it, ascending.' })
}, {
  description: 'Applied, all of it in one transaction.',
  examples: [{ message: 'Customers updated successfully.', attached: [42, 44], detached: [7] }]
})
