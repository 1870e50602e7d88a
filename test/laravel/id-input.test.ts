import t from 'tap'
import { givenIdErrors, givenIdMessages, readId, readIdList, readIds } from '../../src/laravel/id-input.js'

t.test('readId reads strings as PHP\'s FILTER_VALIDATE_INT does (ids past 2 ** 53 only approximately: they name no row)', async (t) => {
  const accepted: Array<[string, number]> = [
    ['1', 1], ['+1', 1], ['-1', -1], ['0', 0], ['-0', 0], ['+0', 0], ['42', 42], [' 7\t\n', 7],
    ['9223372036854775807', 2 ** 63], ['-9223372036854775808', -(2 ** 63)]
  ]
  for (const [text, id] of accepted) t.equal(readId(text), id, JSON.stringify(text))
  const refused = ['01', '1.0', '0x1', '1e3', '', ' ', '+', '-', '--1', '+-1', '1 2', '１', '00', '-01', 'abc',
    '9223372036854775808', '-9223372036854775809', '1_000', '0b1', '0o1', 'Infinity', 'NaN', '\u00a01']
  for (const text of refused) t.equal(readId(text), undefined, JSON.stringify(text))
})

t.test('readId takes whole JSON numbers and refuses every other JSON value', async (t) => {
  for (const id of [1, 0, -3, 2 ** 40]) t.equal(readId(id), id)
  for (const value of [1.5, Number.NaN, true, false, null, undefined, {}, [], [1]]) t.equal(readId(value), undefined, JSON.stringify(value))
})

t.test('readIdList names each element by its list and index; anything but a list has none', async (t) => {
  t.same(readIdList('attach', [3, '4', 'x']), [
    { field: 'attach.0', id: 3 }, { field: 'attach.1', id: 4 }, { field: 'attach.2', id: undefined }
  ])
  t.same(readIdList('attach', 3), [])
  t.same(readIds(readIdList('attach', [3, '3', 'x', 5])), [3, 5])
})

t.test('an element that is not an integer has the type error alone, as Laravel skips exists after a failed rule', async (t) => {
  const given = readIdList('services', [1, 999999999, 'x', 1])
  t.same(givenIdErrors(given, new Set([999999999])), {
    'services.1': ['The selected services.1 is invalid.'],
    'services.2': ['The services.2 field must be an integer.']
  })
  t.same(givenIdMessages({ field: 'services.0', id: undefined }, new Set()), ['The services.0 field must be an integer.'])
  t.same(givenIdMessages({ field: 'services.0', id: 7 }, new Set([7])), ['The selected services.0 is invalid.'])
  t.same(givenIdMessages({ field: 'services.0', id: 7 }, new Set()), [])
})

t.test('every repeated unknown id is named where it was given', async (t) => {
  t.same(givenIdErrors(readIdList('services', [9, '9']), new Set([9])), {
    'services.0': ['The selected services.0 is invalid.'],
    'services.1': ['The selected services.1 is invalid.']
  })
})
