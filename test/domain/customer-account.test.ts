import t from 'tap'
import { customerAccountFor } from '../../src/domain/customer-account.js'

t.test('CL followed by the id zero-padded to six digits', async (t) => {
  t.equal(customerAccountFor(42), 'CL000042')
  t.equal(customerAccountFor(1), 'CL000001')
  t.equal(customerAccountFor(999999), 'CL999999')
})

t.test('wider ids keep all their digits', async (t) => {
  t.equal(customerAccountFor(1234567), 'CL1234567')
  t.equal(customerAccountFor(2147483647), 'CL2147483647')
})
