import t from 'tap'
import { setup, testDialects } from '../helpers/app.js'
import { seedCustomersWithService } from '../helpers/seed.js'

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const { app, api } = await setup(t, dialect)
    const popular = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'popular', name: 'Popular' } })).json()
    const rare = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'rare', name: 'Rare' } })).json()
    const ids = await seedCustomersWithService(app, popular.id, 2500)

    t.test('the show of a service with many customers streams the same JSON as the whole object', async (t) => {
      const response = await api({ method: 'GET', url: `/api/v1/customer-services/${popular.id}` })
      t.equal(response.statusCode, 200)
      t.match(response.headers['content-type'], /^application\/json/)
      t.notOk(response.headers['content-length'], 'streamed, not buffered')
      const service = (await api({ method: 'GET', url: '/api/v1/customer-services?filter[key]=popular' })).json().data[0]
      const customers = await app.db.selectFrom('customers').select(['id', 'name', 'customer_account']).orderBy('id').execute()
      t.equal(response.body, JSON.stringify({ ...service, customers }), 'byte for byte the non-streamed form')
      t.equal(response.json().customers.length, 2500)
      t.equal(response.json().customers_count, 2500)
    })

    t.test('the show of a service with few customers is one serialized answer', async (t) => {
      await api({ method: 'POST', url: `/api/v1/customers/${ids[0]}/services`, payload: { services: [popular.id, rare.id] } })
      const response = await api({ method: 'GET', url: `/api/v1/customer-services/${rare.id}` })
      t.equal(response.headers['content-length'], String(Buffer.byteLength(response.body)))
      t.match(response.json(), { id: rare.id, customers_count: 1, customers: [{ id: ids[0], customer_account: `CL${String(ids[0]).padStart(6, '0')}` }] })
    })

    t.test('the customers of a service page with filters and sorts', async (t) => {
      const page = (await api({ method: 'GET', url: `/api/v1/customer-services/${popular.id}/customers?page=3&per_page=100` })).json()
      t.match(page, { current_page: 3, per_page: 100, total: 2500, last_page: 25, from: 201, to: 300 })
      t.same(page.data.map((row: { id: number }) => row.id), ids.slice(200, 300))
      t.same(Object.keys(page.data[0]), ['id', 'name', 'customer_account'])
      t.equal(page.path, `http://localhost:80/api/v1/customer-services/${popular.id}/customers`)
      const filtered = (await api({ method: 'GET', url: `/api/v1/customer-services/${popular.id}/customers?filter[name]=CUSTOMER%20249&sort=-name` })).json()
      t.same(filtered.data.map((row: { name: string }) => row.name.split(' ')[1]), ['2499', '2498', '2497', '2496', '2495', '2494', '2493', '2492', '2491', '2490'])
      t.equal(filtered.total, 11)
      const byAccount = (await api({ method: 'GET', url: `/api/v1/customer-services/${rare.id}/customers?filter[customer_account]=cl` })).json()
      t.equal(byAccount.total, 1)
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${popular.id}/customers?sort=key` })).statusCode, 400)
      t.equal((await api({ method: 'GET', url: '/api/v1/customer-services/999999/customers' })).statusCode, 404)
    })
  })
}
