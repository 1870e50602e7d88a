import { sql } from 'kysely'
import t from 'tap'
import { setup, testDialects } from '../helpers/app.js'

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('a new customer gets its account number from its id', async (t) => {
      const { api } = await setup(t, dialect)
      const response = await api({ method: 'POST', url: '/api/v1/customers', payload: { name: ' ACME Telecom ' } })
      t.equal(response.statusCode, 201)
      const customer = response.json()
      t.match(customer, { id: Number, name: 'ACME Telecom', customer_account: `CL${String(customer.id).padStart(6, '0')}` })
      t.same(Object.keys(customer), ['id', 'name', 'customer_account', 'created_at', 'updated_at'])
      const shown = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}` })
      t.same(shown.json(), customer)
    })

    t.test('account numbers of ids wider than six digits are not cut', async (t) => {
      const { app, api } = await setup(t, dialect)
      await (dialect === 'postgres'
        ? sql`select setval(pg_get_serial_sequence('customers', 'id'), 1234566)`
        : sql`insert into sqlite_sequence (name, seq) values ('customers', 1234566)`).execute(app.db)
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Wide' } })).json()
      t.equal(customer.id, 1234567)
      t.equal(customer.customer_account, 'CL1234567')
    })

    t.test('name is required and limited', async (t) => {
      const { api } = await setup(t, dialect)
      const missing = await api({ method: 'POST', url: '/api/v1/customers', payload: { name: '   ' } })
      t.equal(missing.statusCode, 422)
      t.same(missing.json(), { message: 'The name field is required.', errors: { name: ['The name field is required.'] } })
      const long = await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'x'.repeat(256) } })
      t.same(long.json().errors, { name: ['The name field must not be greater than 255 characters.'] })
    })

    t.test('rename keeps the account number; unknown customers are 404', async (t) => {
      const { api } = await setup(t, dialect)
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const renamed = await api({ method: 'PATCH', url: `/api/v1/customers/${customer.id}`, payload: { name: 'ACME SAS', customer_account: 'CL999999' } })
      t.equal(renamed.statusCode, 200)
      t.match(renamed.json(), { name: 'ACME SAS', customer_account: customer.customer_account })
      const missing = await api({ method: 'GET', url: '/api/v1/customers/777' })
      t.equal(missing.statusCode, 404)
      t.same(missing.json(), { message: 'No query results for model [App\\Models\\Customer] 777' })
      t.equal((await api({ method: 'PATCH', url: '/api/v1/customers/777', payload: { name: '' } })).statusCode, 404)
    })

    t.test('deleting a customer removes its assignments and keeps counts exact', async (t) => {
      const { api } = await setup(t, dialect)
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [service.id] } })
      const deleted = await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}` })
      t.equal(deleted.statusCode, 204)
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}` })).statusCode, 404)
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${service.id}` })).json().customers_count, 0)
      t.equal((await api({ method: 'DELETE', url: `/api/v1/customer-services/${service.id}` })).statusCode, 204)
      t.equal((await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}` })).statusCode, 404)
    })

    t.test('the unfiltered total stays exact through creations and deletions', async (t) => {
      const { app, api } = await setup(t, dialect)
      const ids = []
      for (let i = 0; i < 23; i++) ids.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)
      for (const id of ids.slice(0, 4)) await api({ method: 'DELETE', url: `/api/v1/customers/${id}` })
      const page = (await api({ method: 'GET', url: '/api/v1/customers?per_page=5&page=2' })).json()
      t.equal(page.total, 19)
      t.equal(page.last_page, 4)
      const counted = await app.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      t.equal(Number(counted.n), 19)
      const filtered = (await api({ method: 'GET', url: '/api/v1/customers?per_page=2&filter[name]=c1' })).json()
      t.equal(filtered.total, 10, 'C1 and C10–C19, less none deleted')
    })

    t.test('the list filters by name and account number and sorts by them', async (t) => {
      const { api } = await setup(t, dialect)
      for (const name of ['Zeta', 'alpha', 'Éole', 'Beta']) await api({ method: 'POST', url: '/api/v1/customers', payload: { name } })
      const names = async (query: string) =>
        (await api({ method: 'GET', url: `/api/v1/customers?${query}` })).json().data.map((row: { name: string }) => row.name)
      t.same(await names(''), ['Zeta', 'alpha', 'Éole', 'Beta'])
      t.same(await names('sort=name'), ['alpha', 'Beta', 'Zeta', 'Éole'])
      t.same(await names('sort=-customer_account'), ['Beta', 'Éole', 'alpha', 'Zeta'])
      t.same(await names('filter[name]=éo'), ['Éole'])
      t.same(await names('filter[name]=ÉO'), ['Éole'])
      t.same(await names('filter[customer_account]=cl000002'), ['alpha'])
      const refused = await api({ method: 'GET', url: '/api/v1/customers?sort=key' })
      t.equal(refused.statusCode, 400)
      t.equal(refused.json().message, 'Requested sort(s) `key` is not allowed. Allowed sort(s) are `id, name, customer_account, created_at, updated_at`.')
      const filter = await api({ method: 'GET', url: '/api/v1/customers?filter[key]=x' })
      t.equal(filter.json().message, 'Requested filter(s) `key` are not allowed. Allowed filter(s) are `name, customer_account`.')
    })
  })
}
