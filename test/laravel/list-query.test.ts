import t from 'tap'
import { InvalidListQueryError, parseListQuery } from '../../src/laravel/list-query.js'

const spec = {
  filters: ['name', 'key'],
  sorts: ['id', 'name', 'key', 'created_at', 'updated_at']
} as const

const parse = (query: Record<string, unknown>) => parseListQuery(query, spec)

function errorOf (fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

t.test('without parameters: no filter, order by id, page 1 of 10', async (t) => {
  t.same(parse({}), {
    filters: [],
    sorts: [{ field: 'id', direction: 'asc' }],
    page: 1,
    perPage: 10
  })
})

t.test('a comma splits a filter into alternatives, each trimmed, empty ones dropped', async (t) => {
  t.same(parse({ filter: { name: ' support , voip,, ' } }).filters, [
    { field: 'name', values: ['support', 'voip'] }
  ])
})

t.test('different filters are all kept, in the order given', async (t) => {
  t.same(parse({ filter: { key: 'a', name: 'b' } }).filters, [
    { field: 'key', values: ['a'] },
    { field: 'name', values: ['b'] }
  ])
})

t.test('a filter with no value left is no filter', async (t) => {
  t.same(parse({ filter: { name: ' , ', key: null } }).filters, [])
  t.same(parse({ filter: { name: '' } }).filters, [])
  t.same(parse({ filter: { name: [] } }).filters, [])
})

t.test('PHP lists of filter values are flattened and split too', async (t) => {
  t.same(parse({ filter: { name: ['a,b', [' c ', ''], 'd'] } }).filters, [
    { field: 'name', values: ['a', 'b', 'c', 'd'] }
  ])
})

t.test('keyed PHP lists of filter values are read as lists: the parser keeps more than 100 `[]` values keyed by index', async (t) => {
  t.same(parse({ filter: { name: { 0: 'a', 5: 'b,c', x: [' d '] } } }).filters, [
    { field: 'name', values: ['a', 'b', 'c', 'd'] }
  ])
  const many = Object.fromEntries(Array.from({ length: 150 }, (_, index) => [index, `v${index}`]))
  t.same(parse({ filter: { key: many } }).filters, [{ field: 'key', values: Object.values(many) }])
})

t.test('a number as a filter value is read as its text', async (t) => {
  t.same(parse({ filter: { key: 42 } }).filters, [{ field: 'key', values: ['42'] }])
})

t.test('a filter parameter that is not a bracketed map is ignored', async (t) => {
  t.same(parse({ filter: 'abc' }).filters, [])
  t.same(parse({ filter: ['abc'] }).filters, [])
  t.same(parse({ filter: null }).filters, [])
})

t.test('unknown top-level parameters are ignored', async (t) => {
  t.same(parse({ foo: 'bar', include: 'customers' }), parse({}))
})

t.test('an unknown filter name is refused with the contract message', async (t) => {
  const error = errorOf(() => parse({ filter: { foo: 'x' } }))
  t.ok(error instanceof InvalidListQueryError)
  t.equal(error.message, 'Requested filter(s) `foo` are not allowed. Allowed filter(s) are `name, key`.')
})

t.test('every unknown filter name is listed, even beside allowed ones, even when empty', async (t) => {
  const error = errorOf(() => parse({ filter: { foo: 'x', name: 'a', bar: '' } }))
  t.ok(error instanceof InvalidListQueryError)
  t.equal(error.message, 'Requested filter(s) `foo, bar` are not allowed. Allowed filter(s) are `name, key`.')
})

t.test('a leading minus sorts descending; several sorts keep their order, then id', async (t) => {
  t.same(parse({ sort: '-created_at,name' }).sorts, [
    { field: 'created_at', direction: 'desc' },
    { field: 'name', direction: 'asc' },
    { field: 'id', direction: 'asc' }
  ])
})

t.test('sort terms are trimmed and empty ones dropped', async (t) => {
  t.same(parse({ sort: ' -key , ,name ' }).sorts, [
    { field: 'key', direction: 'desc' },
    { field: 'name', direction: 'asc' },
    { field: 'id', direction: 'asc' }
  ])
})

t.test('a field sorted twice keeps its first direction', async (t) => {
  t.same(parse({ sort: 'name,-name,-key,key' }).sorts, [
    { field: 'name', direction: 'asc' },
    { field: 'key', direction: 'desc' },
    { field: 'id', direction: 'asc' }
  ])
})

t.test('no id tiebreak is added when id is already sorted on', async (t) => {
  t.same(parse({ sort: '-id,name' }).sorts, [
    { field: 'id', direction: 'desc' },
    { field: 'name', direction: 'asc' }
  ])
  t.same(parse({ sort: 'name,-id' }).sorts, [
    { field: 'name', direction: 'asc' },
    { field: 'id', direction: 'desc' }
  ])
})

t.test('a PHP list of sorts is read like a comma-separated one', async (t) => {
  t.same(parse({ sort: ['-name', 'key'] }).sorts, parse({ sort: '-name,key' }).sorts)
})

t.test('an unknown sort is refused with the contract message, without its minus', async (t) => {
  const error = errorOf(() => parse({ sort: '-foo' }))
  t.ok(error instanceof InvalidListQueryError)
  t.equal(error.message,
    'Requested sort(s) `foo` is not allowed. Allowed sort(s) are `id, name, key, created_at, updated_at`.')
})

t.test('every unknown sort is listed, even beside allowed ones', async (t) => {
  const error = errorOf(() => parse({ sort: 'name,foo,-bar' }))
  t.ok(error instanceof InvalidListQueryError)
  t.equal(error.message,
    'Requested sort(s) `foo, bar` is not allowed. Allowed sort(s) are `id, name, key, created_at, updated_at`.')
})

t.test('page is read as a positive integer', async (t) => {
  t.equal(parse({ page: '3' }).page, 3)
  t.equal(parse({ page: '+3' }).page, 3)
  t.equal(parse({ page: ' 3 ' }).page, 3)
  t.equal(parse({ page: 4 }).page, 4)
  t.equal(parse({ page: String(Number.MAX_SAFE_INTEGER) }).page, Number.MAX_SAFE_INTEGER)
})

t.test('a page that is not a positive integer means page 1', async (t) => {
  for (const page of ['0', '-1', '-0', 'abc', '1.5', '2e3', '0x10', '', ' ', '3abc', null, 0, -2, 1.5, [], ['2'], { a: 1 }]) {
    t.equal(parse({ page }).page, 1, `page ${JSON.stringify(page)}`)
  }
})

t.test('a page beyond the safe integers means page 1', async (t) => {
  t.equal(parse({ page: '99999999999999999999' }).page, 1)
  t.equal(parse({ page: String(Number.MAX_SAFE_INTEGER + 2) }).page, 1)
})

t.test('per_page is honoured up to 100 and capped there', async (t) => {
  t.equal(parse({ per_page: '1' }).perPage, 1)
  t.equal(parse({ per_page: '25' }).perPage, 25)
  t.equal(parse({ per_page: '+50' }).perPage, 50)
  t.equal(parse({ per_page: '100' }).perPage, 100)
  t.equal(parse({ per_page: '101' }).perPage, 100)
  t.equal(parse({ per_page: 5000 }).perPage, 100)
})

t.test('an invalid per_page means 10', async (t) => {
  for (const perPage of ['0', '-5', 'ten', '2.5', '', null, [], { a: 1 }]) {
    t.equal(parse({ per_page: perPage }).perPage, 10, `per_page ${JSON.stringify(perPage)}`)
  }
})
