import t from 'tap'
import { readSyncRequest, unknownServiceErrors } from '../../src/domain/sync-request.js'

t.test('a list of ids asks for each id with no attributes', async (t) => {
  const request = readSyncRequest([1, 3, 7])
  t.same([...request.desired], [[1, {}], [3, {}], [7, {}]])
  t.same([...request.fieldOf], [[1, 'services.0'], [3, 'services.1'], [7, 'services.2']])
  t.same(request.errors, {})
})

t.test('an empty list or object asks for no service', async (t) => {
  t.equal(readSyncRequest([]).desired.size, 0)
  t.equal(readSyncRequest({}).desired.size, 0)
  t.same(readSyncRequest({}).errors, {})
})

t.test('a repeated id counts once and keeps the field it first came from', async (t) => {
  const request = readSyncRequest([5, 2, 5, 5])
  t.same([...request.desired], [[5, {}], [2, {}]])
  t.equal(request.fieldOf.get(5), 'services.0')
  t.equal(request.fieldOf.get(2), 'services.1')
})

t.test('the keyed form carries the version given for each id', async (t) => {
  const request = readSyncRequest({ 1: {}, 3: { version: '1.1.0' }, 4: { version: null } })
  t.same([...request.desired], [[1, {}], [3, { version: '1.1.0' }], [4, { version: null }]])
  t.same([...request.fieldOf], [[1, 'services.1'], [3, 'services.3'], [4, 'services.4']])
  t.same(request.errors, {})
})

t.test('a version that is not given stays absent, not null', async (t) => {
  const attributes = readSyncRequest({ 1: {} }).desired.get(1)
  t.ok(attributes)
  t.notOk(Object.hasOwn(attributes ?? {}, 'version'))
})

t.test('empty attributes written as [] by PHP are read as {}', async (t) => {
  const request = readSyncRequest({ 8: [] })
  t.same([...request.desired], [[8, {}]])
  t.same(request.errors, {})
})

t.test('a key that is not an integer is an error named after it, and is not asked for', async (t) => {
  const request = readSyncRequest({ abc: {}, 2: {}, 1.5: {}, '01': {} })
  t.same(request.errors, {
    'services.abc': ['The services.abc field must be an integer.'],
    'services.1.5': ['The services.1.5 field must be an integer.'],
    'services.01': ['The services.01 field must be an integer.']
  })
  t.same([...request.desired.keys()], [2])
})

t.test('a negative integer key is read as a number, for the existence check to refuse', async (t) => {
  const request = readSyncRequest({ '-4': {} })
  t.same(request.errors, {})
  t.same([...request.desired.keys()], [-4])
  t.equal(request.fieldOf.get(-4), 'services.-4')
})

t.test('each unknown id is invalid under the field it came from', async (t) => {
  const { fieldOf } = readSyncRequest([1, 3, 9])
  t.same(unknownServiceErrors([9, 3], fieldOf), {
    'services.2': ['The selected services.2 is invalid.'],
    'services.1': ['The selected services.1 is invalid.']
  })
})

t.test('in the keyed form an unknown id is named by its key', async (t) => {
  const { fieldOf } = readSyncRequest({ 42: { version: '1' } })
  t.same(unknownServiceErrors([42], fieldOf), { 'services.42': ['The selected services.42 is invalid.'] })
})

t.test('an unknown id with no recorded field is named after the id', async (t) => {
  t.same(unknownServiceErrors([7], new Map()), { 'services.7': ['The selected services.7 is invalid.'] })
  t.same(unknownServiceErrors([], new Map()), {})
})
