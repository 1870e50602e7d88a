import { Type, type Static } from 'typebox'
import { Id, Timestamp } from './common.js'

export const Customer = Type.Object({
  id: Id,
  name: Type.String({ examples: ['ACME Telecom'] }),
  customer_account: Type.String({ description: '`CL` and the id, zero-padded to six digits.', examples: ['CL000042'] }),
  created_at: Timestamp,
  updated_at: Timestamp
})

const CustomerName = Type.String({ minLength: 1, maxLength: 255 })

export const CreateCustomerBody = Type.Object({ name: CustomerName }, { examples: [{ name: 'ACME Telecom' }] })
export type CreateCustomerBody = Static<typeof CreateCustomerBody>

export const UpdateCustomerBody = Type.Object({ name: Type.Optional(CustomerName) }, { examples: [{ name: 'ACME Telecom SAS' }] })
export type UpdateCustomerBody = Static<typeof UpdateCustomerBody>

export const CustomerParams = Type.Object({ customer: Id })
