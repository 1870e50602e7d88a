import type { Static } from 'typebox'
import { PivotAttributes } from './assignment.js'

/** The pivot attributes of one assignment, as the sync takes them; no body at all is `{}`. */
export const AssignServiceBody = PivotAttributes
export type AssignServiceBody = Static<typeof AssignServiceBody>
