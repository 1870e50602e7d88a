import { Type, type Static } from 'typebox'
import { IdInput, Id, Timestamp } from './common.js'
import { CustomerService, exampleService, ServiceKey } from './customer-service.js'
import { preconditionFailedMessage } from './messages.js'

export const MAX_SYNC_ENTRIES = 1000

export const Pivot = Type.Object({
  customer_id: Id,
  customer_service_id: Id,
  version: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp
})
export type Pivot = Static<typeof Pivot>

export const exampleAssignedService = {
  ...exampleService,
  pivot: { customer_id: 42, customer_service_id: 7, version: '1.1.0', created_at: '2026-11-28T16:45:02.000000Z', updated_at: '2026-11-28T16:45:02.000000Z' }
}

export const AssignedService = Type.Object({
  ...CustomerService.properties,
  pivot: Pivot
}, {
  description: 'The service, with the pivot row that assigns it to the customer.',
  examples: [exampleAssignedService]
})
export type AssignedService = Static<typeof AssignedService>

/** An entry of the customer's list: with `at`, it also says whether the service has left the catalog since. */
export const ListedAssignedService = Type.Object({
  ...AssignedService.properties,
  deleted_at: Type.Optional(Type.Union([Timestamp, Type.Null()], {
    description: 'Only in answers to `at`: when the service was deleted from the catalog since (its fields are as they ' +
      'were then), or null while it is still in the catalog.'
  }))
}, {
  description: 'The service, with the pivot row that assigns it to the customer.',
  examples: [exampleAssignedService, { ...exampleAssignedService, deleted_at: '2026-12-01T09:00:00.000000Z' }]
})
export type ListedAssignedService = Static<typeof ListedAssignedService>

export const PivotAttributes = Type.Union([
  Type.Object({
    version: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()]))
  }),
  Type.Array(Type.Never(), { maxItems: 0, description: "PHP's json_encode writes an empty array for empty attributes." })
])

export const SyncBody = Type.Object({
  services: Type.Union([
    Type.Array(IdInput, {
      maxItems: MAX_SYNC_ENTRIES,
      description: 'Ids of the services the customer must have.'
    }),
    Type.Record(Type.String(), PivotAttributes, {
      maxProperties: MAX_SYNC_ENTRIES,
      description: 'Service ids as keys, each with its pivot attributes; a key is read as an id in the list is.'
    })
  ])
}, {
  examples: [
    { services: [1, 3, 7] },
    { services: { 1: {}, 3: { version: '1.1.0' } } }
  ]
})
export type SyncBody = Static<typeof SyncBody>

export const SyncResult = Type.Object({
  message: Type.String(),
  attached: Type.Array(Id, { description: 'Ids of the services added, ascending.' }),
  detached: Type.Array(Id, { description: 'Ids of the services removed, ascending.' }),
  updated: Type.Array(Id, { description: 'Ids of the services whose given attributes changed, ascending.' })
}, {
  description: 'The sync is applied; the three lists of Laravel\'s `sync()`.',
  examples: [{ message: 'Services synced successfully.', attached: [3], detached: [2], updated: [1] }]
})

/** The path of one service of a customer: the check, PUT and DELETE read `{key}` alike. */
export const ServiceReferenceParams = Type.Object({
  customer: Id,
  key: Type.String({
    maxLength: 100,
    description: 'The service\'s key (the feature flag), or its id. All digits is read as an id first; a key made only ' +
      'of digits is found when no service has that number as its id.',
    examples: ['support.premium']
  })
})

export { ServiceKey }

/** The response header that carries the tag of the customer's current set (a new object each time: no YAML anchors in the spec). */
export function setTagHeader () {
  return {
    ETag: Type.String({
      description: 'The strong entity tag of the customer\'s whole current set of services (not of this page or service): ' +
        'send it back as `If-Match` on a sync, PUT or DELETE to apply it only if the set is still that one. It changes ' +
        'exactly when the set changes.',
      examples: ['"v1234"']
    })
  }
}

/** The precondition every write of a customer's set takes: the sync, PUT and DELETE of one service. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({
    description: 'Apply the change only if the customer\'s set still has this entity tag (the `ETag` of the list, of a ' +
      'sync, or of a PUT or DELETE of one service), or `*` for any. Otherwise 412 with the current set, and nothing ' +
      'changed. Weak tags (`W/"…"`) never match.',
    examples: ['"v1234"']
  }))
})

export const PreconditionFailedBody = Type.Object({
  message: Type.String({ examples: [preconditionFailedMessage] }),
  services: Type.Array(AssignedService, { description: "The customer's whole current set, by service id; the answer's `ETag` is its tag." })
}, {
  description: "`If-Match` named another set than the customer's current one: nothing was changed.",
  examples: [{ message: preconditionFailedMessage, services: [exampleAssignedService] }]
})

export const PointInTimeQuery = Type.Object({
  at: Type.Optional(Type.String({
    format: 'date-time',
    description: 'Answer the set the customer had at this time (ISO-8601 with `Z` or an offset), rebuilt from its ' +
      'history, instead of the current one. The answer then carries no `ETag`.',
    examples: ['2026-01-01T00:00:00Z']
  }))
})
