import { Type, type Static } from 'typebox'
import { Id, Timestamp } from './common.js'

export const ServiceKey = Type.String({
  pattern: '^[a-z0-9][a-z0-9_.-]*$',
  maxLength: 100,
  description: 'Machine-readable key, used by other systems as a feature flag.',
  examples: ['support.premium']
})

const serviceFields = {
  id: Id,
  key: ServiceKey,
  name: Type.String({ minLength: 1, maxLength: 255, examples: ['Premium support'] }),
  description: Type.Union([Type.String(), Type.Null()]),
  can_be_enabled: Type.Boolean({ description: 'Whether a customer may enable the service itself.' }),
  created_at: Timestamp,
  updated_at: Timestamp
}

export const exampleService = {
  id: 7,
  key: 'support.premium',
  name: 'Premium support',
  description: '24/7 phone support',
  can_be_enabled: false,
  created_at: '2026-11-28T16:43:17.000000Z',
  updated_at: '2026-11-28T16:43:17.000000Z'
}

export const CustomerService = Type.Object(serviceFields)
export type CustomerService = Static<typeof CustomerService>

export const CountedCustomerService = Type.Object({
  ...serviceFields,
  customers_count: Type.Integer({ minimum: 0, description: 'How many customers have the service.' })
}, { description: 'The catalog entry.', examples: [{ ...exampleService, customers_count: 12 }] })
export type CountedCustomerService = Static<typeof CountedCustomerService>

export const CustomerSummary = Type.Object({
  id: Id,
  name: Type.String(),
  customer_account: Type.String({ examples: ['CL000042'] })
})
export type CustomerSummary = Static<typeof CustomerSummary>

export const CustomerServiceWithCustomers = Type.Object({
  ...CountedCustomerService.properties,
  customers: Type.Array(CustomerSummary)
}, {
  description: 'The catalog entry with every customer that has it.',
  examples: [{ ...exampleService, customers_count: 1, customers: [{ id: 42, name: 'ACME Telecom', customer_account: 'CL000042' }] }]
})

/** Laravel's `boolean` rule: true, false, 1, 0, "1" and "0". */
export const LaravelBoolean = Type.Unsafe<boolean | 0 | 1 | '0' | '1'>({
  enum: [true, false, 0, 1, '0', '1'],
  description: 'true or false (1, 0, "1" and "0" are accepted too).'
})

const writableFields = {
  key: ServiceKey,
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 65535 }), Type.Null()])),
  can_be_enabled: Type.Optional(LaravelBoolean)
}

export const CreateCustomerServiceBody = Type.Object(writableFields, {
  examples: [{ key: 'support.premium', name: 'Premium support', description: '24/7 phone support', can_be_enabled: false }]
})
export type CreateCustomerServiceBody = Static<typeof CreateCustomerServiceBody>

export const UpdateCustomerServiceBody = Type.Object({
  key: Type.Optional(writableFields.key),
  name: Type.Optional(writableFields.name),
  description: writableFields.description,
  can_be_enabled: writableFields.can_be_enabled
}, { examples: [{ name: 'Premium support (24/7)' }] })
export type UpdateCustomerServiceBody = Static<typeof UpdateCustomerServiceBody>

export const CustomerServiceParams = Type.Object({ id: Id })

export const ServiceInUseBody = Type.Object({
  message: Type.String(),
  customers_count: Type.Integer({ minimum: 1 })
}, {
  description: 'Customers still have the service.',
  examples: [{ message: 'The customer service is still assigned to 3 customers.', customers_count: 3 }]
})
