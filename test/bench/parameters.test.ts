import t from 'tap'
import { allDistinct, deriveTemplates, type CapturedRequest } from '../../bench/parameters.js'

const page = (customer: number, pageNumber: number, key: string): CapturedRequest => ({
  variables: { customer, page: pageNumber, key },
  statements: [
    { sql: 'select id from customers where id = ?', parameters: [customer] },
    { sql: 'select * from pivot where customer_id = ? and key = ? limit ? offset ?', parameters: [customer, key, 10, (pageNumber - 1) * 10] },
    { sql: 'select count(*) from t where name like ?', parameters: ['%service 0%'] }
  ]
})

t.test('each parameter follows its variable, a linear function of one, or is a constant', async (t) => {
  const templates = deriveTemplates([page(7, 2, 'a'), page(12, 5, 'b'), page(900, 1, 'c')])
  t.same(templates.map((template) => template.sql), [
    'select id from customers where id = ?',
    'select * from pivot where customer_id = ? and key = ? limit ? offset ?',
    'select count(*) from t where name like ?'
  ])
  t.same(templates[0]?.parameters, [{ kind: 'variable', name: 'customer', numeric: true }])
  t.same(templates[1]?.parameters, [
    { kind: 'variable', name: 'customer', numeric: true },
    { kind: 'variable', name: 'key', numeric: false },
    { kind: 'constant', value: 10 },
    { kind: 'linear', name: 'page', scale: 10, offset: -10 }
  ])
  t.same(templates[2]?.parameters, [{ kind: 'constant', value: '%service 0%' }])
})

t.test('a number passed as text still follows its variable', async (t) => {
  const request = (customer: number): CapturedRequest => ({ variables: { customer }, statements: [{ sql: 's', parameters: [String(customer)] }] })
  t.same(deriveTemplates([request(1), request(2), request(3)])[0]?.parameters, [{ kind: 'variable', name: 'customer', numeric: false }])
})

t.test('a rule found on two requests must hold on the third', async (t) => {
  const request = (customer: number, value: number): CapturedRequest => ({ variables: { customer }, statements: [{ sql: 's', parameters: [value] }] })
  t.throws(() => deriveTemplates([request(1, 10), request(2, 20), request(3, 31)]), /follows none of the variables/)
})

t.test('requests that ran different statements, or too few of them, are refused', async (t) => {
  t.throws(() => deriveTemplates([page(1, 2, 'a'), page(3, 4, 'b')]), /three captured requests/)
  const other = { ...page(5, 6, 'c'), statements: page(5, 6, 'c').statements.slice(1) }
  t.throws(() => deriveTemplates([page(1, 2, 'a'), page(3, 4, 'b'), other]), /different statements/)
})

t.test('variables are distinct when no name repeats a value across the draws', async (t) => {
  t.ok(allDistinct([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }]))
  t.notOk(allDistinct([{ a: 1, b: 'x' }, { a: 2, b: 'x' }, { a: 3, b: 'z' }]))
  t.ok(allDistinct([{}, {}, {}]), 'fixed requests have no variables to tell apart')
})
