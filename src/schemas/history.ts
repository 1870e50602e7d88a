import { Type, type Static } from 'typebox'
import { assignmentActions, type AssignmentAction } from '../domain/assignment-diff.js'
import { Id, pageParameters, Timestamp } from './common.js'

const VersionState = Type.Union([
  Type.Object({ version: Type.Union([Type.String(), Type.Null()]) }),
  Type.Null()
])

export const exampleHistoryEntry = {
  id: 1234,
  customer_id: 42,
  customer_service_id: 7,
  service_key: 'support.premium',
  action: 'updated',
  before: { version: '1.0.0' },
  after: { version: '1.1.0' },
  user_id: 3,
  token_id: 18,
  reason: 'Upgrade requested in ticket #4711',
  created_at: '2026-11-28T16:45:02.000000Z'
}

export const HistoryEntry = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'Ascending in the order the changes were made.' }),
  customer_id: Id,
  customer_service_id: Id,
  service_key: Type.String({ description: 'The service\'s key when the change was made.' }),
  action: Type.Unsafe<AssignmentAction>(Type.Union(assignmentActions.map((action) => Type.Literal(action)))),
  before: { ...VersionState, description: 'The pivot attributes before the change; null for an attach.' },
  after: { ...VersionState, description: 'The pivot attributes after the change; null for a detach.' },
  user_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The user whose token made the change.' }),
  token_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The token that made the change.' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'The request\'s `X-Reason` header.' }),
  created_at: Timestamp
}, {
  description: 'One change of one customer\'s assignment of one service.',
  examples: [exampleHistoryEntry]
})
export type HistoryEntry = Static<typeof HistoryEntry>

export const HistoryQuerystring = Type.Object({
  filter: Type.Optional(Type.Object({
    action: Type.Optional(Type.String({ description: `Any of ${assignmentActions.map((action) => `\`${action}\``).join(', ')}, comma-separated.`, examples: ['attached,detached'] })),
    service_key: Type.Optional(Type.String({ description: 'Case-insensitive substring of the service\'s key at the time; a comma separates alternatives.' })),
    from: Type.Optional(Type.String({ description: 'Changes at or after this time (ISO-8601 date and time with `Z` or an offset).', examples: ['2026-01-01T00:00:00Z'] })),
    to: Type.Optional(Type.String({ description: 'Changes at or before this time (ISO-8601 date and time with `Z` or an offset).', examples: ['2026-02-01T00:00:00+01:00'] }))
  }, { description: 'Bracketed filters (`filter[action]=detached`); different filters must all match.' })),
  sort: Type.Optional(Type.String({
    pattern: '^-?id$',
    description: 'Newest first (`-id`) by default; `id` for oldest first.',
    examples: ['id']
  })),
  ...pageParameters()
})
