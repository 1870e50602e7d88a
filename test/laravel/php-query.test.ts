import t from 'tap'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import qs from 'qs'
import { buildPhpQuery, parsePhpQuery, parsePlainQuery } from '../../src/laravel/php-query.js'

t.test('encoded brackets build a map', async (t) => {
  t.same(parsePhpQuery('filter%5Bname%5D=support&sort=-name'), { filter: { name: 'support' }, sort: '-name' })
})

t.test('a repeated bracketed key keeps its last value, as PHP does', async (t) => {
  t.same(parsePhpQuery('filter%5Bname%5D=a&filter%5Bname%5D=b'), { filter: { name: 'b' } })
  t.same(parsePhpQuery('filter[name]=a&filter[name]=b'), { filter: { name: 'b' } })
})

t.test('a repeated plain key keeps its last value', async (t) => {
  t.same(parsePhpQuery('page=1&page=3'), { page: '3' })
})

t.test('empty brackets build a list', async (t) => {
  t.same(parsePhpQuery('filter[name][]=a&filter[name][]=b'), { filter: { name: ['a', 'b'] } })
  t.same(parsePhpQuery('filter%5Bname%5D%5B%5D=a&filter%5Bname%5D%5B%5D=b'), { filter: { name: ['a', 'b'] } })
})

t.test('values are trimmed and an empty value becomes null', async (t) => {
  t.same(parsePhpQuery('filter[name]=%20support%20&filter[key]=&sort=+'), {
    filter: { name: 'support', key: null },
    sort: null
  })
})

t.test('a plus is a space and percent escapes are decoded', async (t) => {
  t.same(parsePhpQuery('filter[name]=premium+support&filter[key]=t%C3%A9l%C3%A9'), {
    filter: { name: 'premium support', key: 'télé' }
  })
})

t.test('a leading question mark is ignored, and an empty query is empty', async (t) => {
  t.same(parsePhpQuery('?page=2'), { page: '2' })
  t.same(parsePhpQuery(''), {})
})

t.test('a query cannot reach the object prototype', async (t) => {
  const parsed = parsePhpQuery('__proto__[polluted]=1&filter[__proto__][polluted]=1&constructor[prototype][polluted]=1')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.equal(Object.getPrototypeOf(parsed), Object.prototype)
  t.notOk(Object.hasOwn(parsed, '__proto__'))
})

t.test('brackets are encoded as RFC 3986 says', async (t) => {
  t.equal(buildPhpQuery({ filter: { name: 'x' } }), 'filter%5Bname%5D=x')
})

t.test('null and undefined values are left out', async (t) => {
  t.equal(buildPhpQuery({ a: null, b: '1', c: undefined, filter: { name: null, key: 'k' } }), 'b=1&filter%5Bkey%5D=k')
  t.equal(buildPhpQuery({}), '')
})

t.test('a space is %20, never a plus, and reserved characters are escaped', async (t) => {
  t.equal(buildPhpQuery({ q: 'a b' }), 'q=a%20b')
  t.equal(buildPhpQuery({ q: 'a&b=c+d,e' }), 'q=a%26b%3Dc%2Bd%2Ce')
  t.equal(buildPhpQuery({ q: 'télé' }), 'q=t%C3%A9l%C3%A9')
})

t.test('lists are written with indices, as http_build_query does', async (t) => {
  t.equal(buildPhpQuery({ ids: ['1', '2'] }), 'ids%5B0%5D=1&ids%5B1%5D=2')
})

t.test('what is built parses back to the same parameters', async (t) => {
  const parameters = { filter: { name: 'premium support', key: ['a', 'b'] }, sort: '-created_at,name', per_page: '25' }
  t.same(parsePhpQuery(buildPhpQuery(parameters)), parameters)
})

t.test('the plain-query fast path answers what qs answers', async (t) => {
  const plainCharacter = fc.constantFrom('a', 'b', 'Z', '0', '9', '=', '&', '?', '.', '-', '_', ' ', ',', 'é', '\u0000')
  const plainText = fc.array(plainCharacter, { maxLength: 40 }).map((characters) => characters.join(''))
  const prototypeKey = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf')
  const query = fc.oneof(
    plainText,
    fc.array(fc.tuple(fc.oneof(plainText, prototypeKey), plainText), { maxLength: 8 })
      .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&')),
    fc.integer({ min: 990, max: 1010 }).map((count) => Array.from({ length: count }, (_, index) => `k${index}=${index}`).join('&'))
  )
  const qsOptions = { duplicates: 'last', depth: 8, parameterLimit: 1000, arrayLimit: 100, allowPrototypes: false, ignoreQueryPrefix: true } as const
  t.doesNotThrow(() => fc.assert(fc.property(query, (text) =>
    isDeepStrictEqual({ ...parsePlainQuery(text) }, { ...qs.parse(text, qsOptions) })), { numRuns: 2000, seed: 20261129 }))
})
