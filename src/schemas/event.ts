import { Type, type Static } from 'typebox'
import { Id, Timestamp } from './common.js'
import { CustomerService } from './customer-service.js'
import { Customer } from './customer.js'

export const DEFAULT_EVENT_LIMIT = 100
export const MAX_EVENT_LIMIT = 1000

export const unissuedCursorMessage = (newest: number) =>
  `The after field must be a cursor this feed issued: the newest event is ${newest}.`

const Actor = {
  user_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The user whose token made the change.' }),
  token_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The token that made the change.' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'The request\'s `X-Reason` header.' })
}

const VersionState = Type.Union([Type.Object({ version: Type.Union([Type.String(), Type.Null()]) }), Type.Null()])

const AssignmentEventData = Type.Object({
  customer_id: Id,
  customer_service_id: Id,
  service_key: Type.String(),
  before: VersionState,
  after: VersionState,
  ...Actor
}, { title: 'Assignment change', description: '`assignment.attached`, `assignment.detached`, `assignment.updated`: as the history entry.' })

const CustomerEventData = Type.Object({ customer: Customer, ...Actor }, {
  title: 'Customer change',
  description: '`customer.created`, `customer.updated`, `customer.deleted`: the customer afterwards (before, for a deletion).'
})

const ServiceEventData = Type.Object({ customer_service: CustomerService, ...Actor }, {
  title: 'Catalog change',
  description: '`customer_service.created`, `customer_service.updated`, `customer_service.deleted`: the catalog entry afterwards (before, for a deletion).'
})

export const exampleEvent = {
  id: '1234',
  type: 'assignment.attached',
  occurred_at: '2026-11-28T16:45:02.000000Z',
  data: { customer_id: 42, customer_service_id: 7, service_key: 'support.premium', before: null, after: { version: '1.1.0' }, user_id: 3, token_id: 18, reason: null }
}

export const ChangeEvent = Type.Object({
  id: Type.String({ pattern: '^[0-9]+$', description: 'The event\'s cursor: pass it as `after` to read the events after it.', examples: ['1234'] }),
  type: Type.String({ examples: ['assignment.attached'] }),
  occurred_at: Timestamp,
  data: Type.Union([
    AssignmentEventData,
    CustomerEventData,
    ServiceEventData,
    Type.Record(Type.String(), Type.Unknown(), { title: 'Other', description: 'Event types added later: skip the types you do not know.' })
  ])
}, { examples: [exampleEvent] })
export type ChangeEvent = Static<typeof ChangeEvent>

export const EventsQuerystring = Type.Object({
  after: Type.Optional(Type.String({
    pattern: '^(0|[1-9][0-9]{0,14})$',
    description: 'The cursor: the `next_cursor` of the previous answer (or an event\'s `id`). Without it or with `0`, from ' +
      'the first event. A cursor greater than the newest event\'s id was never issued: a 422, so that a wrong cursor ' +
      'never skips events silently.',
    examples: ['1234']
  })),
  limit: Type.Optional(Type.Integer({
    minimum: 1,
    maximum: MAX_EVENT_LIMIT,
    default: DEFAULT_EVENT_LIMIT,
    description: `Events per answer, ${DEFAULT_EVENT_LIMIT} by default, 1 to ${MAX_EVENT_LIMIT}; any other value is a 422.`
  }))
})

export const EventPage = Type.Object({
  data: Type.Array(ChangeEvent, { description: 'The events after the cursor, oldest first; empty when there are none yet.' }),
  next_cursor: Type.String({ description: 'Pass it as `after` next time: the last event\'s id, or the cursor given when there were none.', examples: ['1234'] })
}, {
  description: 'Events in the order they were committed.',
  examples: [{ data: [exampleEvent], next_cursor: '1234' }]
})
