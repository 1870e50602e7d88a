import { Type, type Static } from 'typebox'
import { Id, Timestamp } from './common.js'

export const exampleCustomer = {
  id: 42,
  name: 'ACME Telecom',
  customer_account: 'CL000042',
  created_at: '2026-11-28T16:43:17.000000Z',
  updated_at: '2026-11-28T16:43:17.000000Z'
}

export const Customer = Type.Object({
  id: Id,
  name: Type.String({ examples: ['ACME Telecom'] }),
  customer_account: Type.String({ description: '`CL` and the id, zero-padded to six digits.', examples: ['CL000042'] }),
  created_at: Timestamp,
  updated_at: Timestamp
}, {
  description: 'The customer.',
  examples: [exampleCustomer]
})
export type Customer = Static<typeof Customer>

const CustomerName = Type.String({ minLength: 1, maxLength: 255 })

export const CreateCustomerBody = Type.Object({ name: CustomerName }, { examples: [{ name: 'ACME Telecom' }] })
export type CreateCustomerBody = Static<typeof CreateCustomerBody>

export const UpdateCustomerBody = Type.Object({ name: Type.Optional(CustomerName) }, { examples: [{ name: 'ACME Telecom SAS' }] })
export type UpdateCustomerBody = Static<typeof UpdateCustomerBody>

export const CustomerParams = Type.Object({ customer: Id })
