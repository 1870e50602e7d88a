import { assignmentActions, type AssignmentAction } from '../domain/assignment-diff.js'
import { parseDateTime } from '../domain/date-time.js'
import type { ErrorBag } from './validation-messages.js'

export interface HistoryFilters {
  /** Any of these actions; all when empty. */
  readonly actions: readonly AssignmentAction[]
  /** Keys containing any of these (case-insensitive); all when empty. */
  readonly serviceKeys: readonly string[]
  /** Inclusive bounds on the time of the change. */
  readonly from: Date | null
  readonly to: Date | null
}

const dateTimeMessage = (field: string) =>
  `The ${field} field must be a valid ISO-8601 date and time with a zone, such as 2026-01-01T00:00:00Z.`

/**
 * The history lists' filters, as the list query has split them (`filter[action]=attached,detached`):
 * an action outside the three, or a time that is not one, is a 422 naming the filter.
 */
export function readHistoryFilters (
  filters: ReadonlyArray<{ readonly field: string, readonly values: readonly string[] }>
): { filters: HistoryFilters, errors: ErrorBag } {
  const errors: ErrorBag = {}
  let actions: AssignmentAction[] = []
  let serviceKeys: string[] = []
  const bounds: { from: Date | null, to: Date | null } = { from: null, to: null }
  for (const { field, values } of filters) {
    if (field === 'action') {
      if (values.every((value) => (assignmentActions as readonly string[]).includes(value))) {
        actions = [...new Set(values as AssignmentAction[])]
      } else {
        errors['filter.action'] = [`The selected filter.action is invalid. Allowed actions are ${assignmentActions.join(', ')}.`]
      }
    } else if (field === 'service_key') {
      serviceKeys = [...values]
    } else if (field === 'from' || field === 'to') {
      const date = values.length === 1 ? parseDateTime(values[0] as string) : undefined
      if (date === undefined) errors[`filter.${field}`] = [dateTimeMessage(`filter.${field}`)]
      else bounds[field] = date
    }
  }
  return { filters: { actions, serviceKeys, ...bounds }, errors }
}
