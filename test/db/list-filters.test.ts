import t from 'tap'
import { listCustomers, customerColumns } from '../../src/db/queries/customers.js'
import { applyFilters, boundPatterns, filterMatches } from '../../src/db/queries/list.js'
import { setup, testDialects } from '../helpers/app.js'

const byId = [{ field: 'id', direction: 'asc' }] as const
const distinct = (count: number) => Array.from({ length: count }, (_, index) => `zz${index}`)

for (const dialect of testDialects()) {
  t.test(`${dialect}: a filter's statement has one shape and binds one value, however many values it has`, async (t) => {
    const { app } = await setup(t, dialect)
    const statementOf = (values: string[]) => {
      const matches = filterMatches([{ field: 'name', values }])
      return applyFilters(app.db, app.db.selectFrom('customers').select('customers.id'), matches, customerColumns, matches.map(({ patterns }) => boundPatterns(patterns))).compile()
    }
    const two = statementOf(distinct(2))
    const many = statementOf(distinct(5000))
    t.equal(many.sql, two.sql)
    t.equal(many.parameters.length, 1)
    t.same(JSON.parse(many.parameters[0] as string), distinct(5000).map((value) => `%${value}%`))
    t.same(statementOf(['ACME', 'acme', 'Acme', 'ACME']).parameters, ['%acme%'], 'values equal once folded are one pattern')
    t.same(statementOf(['a', 'b', 'A']).parameters, [JSON.stringify(['%a%', '%b%'])])
  })

  t.test(`${dialect}: tens of thousands of values, more than a URL carries, still find the right rows`, async (t) => {
    const { app, api } = await setup(t, dialect)
    for (const name of ['ACME Telecom', 'Umbrella']) await api({ method: 'POST', url: '/api/v1/customers', payload: { name } })
    for (const count of [5000, 50000]) {
      const page = await listCustomers(app.db, { filters: [{ field: 'name', values: [...distinct(count), 'umbrella'] }], sorts: byId, page: 1, perPage: 10 })
      t.same(page.rows.map((row) => row.name), ['Umbrella'], `${count} values`)
    }
  })

  t.test(`${dialect}: among several values, %, _ and \\ match themselves and accents fold`, async (t) => {
    const { app, api } = await setup(t, dialect)
    for (const name of ['Zoë_%', 'Zoex1', 'a\\b', 'ab', 'TÉLÉPHONIE']) await api({ method: 'POST', url: '/api/v1/customers', payload: { name } })
    const names = async (values: string[]) =>
      (await listCustomers(app.db, { filters: [{ field: 'name', values }], sorts: byId, page: 1, perPage: 10 })).rows.map((row) => row.name)
    t.same(await names(['ë_%', 'zz']), ['Zoë_%'])
    t.same(await names(['e_', 'x_', 'zz']), [])
    t.same(await names(['\\', 'zz']), ['a\\b'])
    t.same(await names(['télé', 'zz']), ['TÉLÉPHONIE'])
    t.same(await names(['ZOË', 'téléphonie', 'ab']), ['Zoë_%', 'ab', 'TÉLÉPHONIE'])
  })
}
