import t from 'tap'
import { givenIdErrors } from '../../src/laravel/id-input.js'
import { readSyncRequest } from '../../src/laravel/sync-request.js'

t.test('a list of ids asks for each id with no attributes', async (t) => {
  const request = readSyncRequest([1, 3, 7])
  t.same([...request.desired], [[1, {}], [3, {}], [7, {}]])
  t.same(request.given, [{ field: 'services.0', id: 1 }, { field: 'services.1', id: 3 }, { field: 'services.2', id: 7 }])
})

t.test('an empty list or object asks for no service', async (t) => {
  t.equal(readSyncRequest([]).desired.size, 0)
  t.equal(readSyncRequest({}).desired.size, 0)
  t.same(readSyncRequest({}).given, [])
})

t.test('anything but a list or an object gives no element', async (t) => {
  for (const services of [undefined, null, 'x', 5, true]) {
    t.same(readSyncRequest(services), { desired: new Map(), given: [] }, String(services))
  }
})

t.test('a repeated id counts once, and each element is still given under its own field', async (t) => {
  const request = readSyncRequest([5, 2, 5, '5'])
  t.same([...request.desired], [[5, {}], [2, {}]])
  t.same(request.given.map(({ field }) => field), ['services.0', 'services.1', 'services.2', 'services.3'])
})

t.test('numeric strings in the list are read as Laravel\'s integer rule reads them', async (t) => {
  const request = readSyncRequest(['1', '+3', '-1', '01', 'x'])
  t.same([...request.desired.keys()], [1, 3, -1])
  t.same(request.given.map(({ id }) => id), [1, 3, -1, undefined, undefined])
})

t.test('the keyed form carries the version given for each id', async (t) => {
  const request = readSyncRequest({ 1: {}, 3: { version: '1.1.0' }, 4: { version: null } })
  t.same([...request.desired], [[1, {}], [3, { version: '1.1.0' }], [4, { version: null }]])
  t.same(request.given, [{ field: 'services.1', id: 1 }, { field: 'services.3', id: 3 }, { field: 'services.4', id: 4 }])
})

t.test('a version that is not given stays absent, not null', async (t) => {
  const attributes = readSyncRequest({ 1: {} }).desired.get(1)
  t.ok(attributes)
  t.notOk(Object.hasOwn(attributes ?? {}, 'version'))
})

t.test('empty attributes written as [] by PHP are read as {}', async (t) => {
  const request = readSyncRequest({ 8: [] })
  t.same([...request.desired], [[8, {}]])
})

t.test('a key that is not an integer is given under its name, and is not asked for', async (t) => {
  const request = readSyncRequest({ abc: {}, 2: {}, 1.5: {}, '01': {} })
  t.same(givenIdErrors(request.given, new Set()), {
    'services.abc': ['The services.abc field must be an integer.'],
    'services.1.5': ['The services.1.5 field must be an integer.'],
    'services.01': ['The services.01 field must be an integer.']
  })
  t.same([...request.desired.keys()], [2])
})

t.test('a key is read as an id in the list is: a sign is taken, and "-0" is 0', async (t) => {
  const request = readSyncRequest({ '+7': { version: '2' }, '-4': {}, '-0': {} })
  t.same([...request.desired], [[7, { version: '2' }], [-4, {}], [0, {}]])
  t.same(request.given.map(({ field }) => field), ['services.+7', 'services.-4', 'services.-0'])
})

t.test('non-integer JSON values in the list are named by their index', async (t) => {
  t.same(givenIdErrors(readSyncRequest([1, 'a']).given, new Set()), { 'services.1': ['The services.1 field must be an integer.'] })
  t.same(givenIdErrors(readSyncRequest([1.5, 2, {}, true, null]).given, new Set()), {
    'services.0': ['The services.0 field must be an integer.'],
    'services.2': ['The services.2 field must be an integer.'],
    'services.3': ['The services.3 field must be an integer.'],
    'services.4': ['The services.4 field must be an integer.']
  })
})
