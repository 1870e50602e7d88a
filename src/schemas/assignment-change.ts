import { Type, type Static } from 'typebox'
import { Id } from './common.js'
import { PivotAttributes } from './assignment.js'

export const ServiceReferenceParams = Type.Object({
  customer: Id,
  // Named as on the feature check, whose path this shares.
  key: Type.String({
    maxLength: 100,
    description: 'The service\'s key, or its id. All digits is read as an id first; a key made only of digits ' +
      'is found when no service has that number as its id.',
    examples: ['support.premium']
  })
})

/** The pivot attributes of one assignment, as the sync takes them; no body at all is `{}`. */
export const AssignServiceBody = PivotAttributes
export type AssignServiceBody = Static<typeof AssignServiceBody>
