import t from 'tap'
import { isStorableId, MAX_ID } from '../../src/domain/ids.js'

t.test('an id is storable from 1 to PostgreSQL integer\'s largest, whole and safe', async (t) => {
  for (const id of [1, 42, MAX_ID]) t.ok(isStorableId(id), String(id))
  for (const id of [0, -1, MAX_ID + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) t.notOk(isStorableId(id), String(id))
  t.equal(MAX_ID, 2 ** 31 - 1)
})
