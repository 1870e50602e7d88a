import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'

async function createService (api: Client, key: string, name: string, extra: Record<string, unknown> = {}) {
  const response = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key, name, ...extra } })
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`)
  return response.json()
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('creating a service answers 201 with the entry, Laravel timestamps and a zero count', async (t) => {
      const { api } = await setup(t, dialect)
      const response = await api({
        method: 'POST',
        url: '/api/v1/customer-services',
        payload: { key: 'support.premium', name: '  Premium support ', description: '', can_be_enabled: true }
      })
      t.equal(response.statusCode, 201)
      const body = response.json()
      t.match(body, { id: Number, key: 'support.premium', name: 'Premium support', description: null, can_be_enabled: true, customers_count: 0 })
      t.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/)
      t.same(Object.keys(body), ['id', 'key', 'name', 'description', 'can_be_enabled', 'created_at', 'updated_at', 'customers_count'])
    })

    t.test('can_be_enabled defaults to false and accepts Laravel boolean forms', async (t) => {
      const { api } = await setup(t, dialect)
      t.equal((await createService(api, 'a', 'A')).can_be_enabled, false)
      t.equal((await createService(api, 'b', 'B', { can_be_enabled: 1 })).can_be_enabled, true)
      t.equal((await createService(api, 'c', 'C', { can_be_enabled: '0' })).can_be_enabled, false)
      const refused = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'd', name: 'D', can_be_enabled: 'yes' } })
      t.equal(refused.statusCode, 422)
    })

    t.test('a duplicate key is a 422 in Laravel words and changes nothing', async (t) => {
      const { api } = await setup(t, dialect)
      await createService(api, 'voip', 'VoIP')
      const response = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'Other' } })
      t.equal(response.statusCode, 422)
      t.same(response.json(), { message: 'The key has already been taken.', errors: { key: ['The key has already been taken.'] } })
      const list = await api({ method: 'GET', url: '/api/v1/customer-services' })
      t.equal(list.json().total, 1)
    })

    t.test('invalid fields are listed with Laravel messages and the summary counts the rest', async (t) => {
      const { api } = await setup(t, dialect)
      const response = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'Bad Key!', name: 'x'.repeat(256) } })
      t.equal(response.statusCode, 422)
      t.same(response.json(), {
        message: 'The key field format is invalid. (and 1 more error)',
        errors: {
          key: ['The key field format is invalid.'],
          name: ['The name field must not be greater than 255 characters.']
        }
      })
      const missing = await api({ method: 'POST', url: '/api/v1/customer-services', payload: {} })
      t.same(missing.json().errors, { key: ['The key field is required.'], name: ['The name field is required.'] })
      t.equal(missing.json().message, 'The key field is required. (and 1 more error)')
      const typed = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'k', name: 123 } })
      t.same(typed.json().errors, { name: ['The name field must be a string.'] })
    })

    t.test('patch changes only the fields given', async (t) => {
      const { api } = await setup(t, dialect)
      const created = await createService(api, 'voip', 'VoIP', { description: 'Calls' })
      const response = await api({ method: 'PATCH', url: `/api/v1/customer-services/${created.id}`, payload: { name: 'VoIP trunk', can_be_enabled: true } })
      t.equal(response.statusCode, 200)
      t.match(response.json(), { id: created.id, key: 'voip', name: 'VoIP trunk', description: 'Calls', can_be_enabled: true })
      const cleared = await api({ method: 'PATCH', url: `/api/v1/customer-services/${created.id}`, payload: { description: null } })
      t.equal(cleared.json().description, null)
      await createService(api, 'fax', 'Fax')
      const taken = await api({ method: 'PATCH', url: `/api/v1/customer-services/${created.id}`, payload: { key: 'fax' } })
      t.equal(taken.statusCode, 422)
      t.equal(taken.json().message, 'The key has already been taken.')
      const missing = await api({ method: 'PATCH', url: '/api/v1/customer-services/999', payload: { key: '!!' } })
      t.equal(missing.statusCode, 404, 'a missing record comes before validation')
    })

    t.test('show answers the entry with its customers, 404 when there is none', async (t) => {
      const { api } = await setup(t, dialect)
      const service = await createService(api, 'voip', 'VoIP')
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [service.id] } })
      const response = await api({ method: 'GET', url: `/api/v1/customer-services/${service.id}` })
      t.equal(response.statusCode, 200)
      t.match(response.json(), { id: service.id, customers_count: 1, customers: [{ id: customer.id, name: 'ACME', customer_account: customer.customer_account }] })
      t.same(Object.keys(response.json().customers[0]), ['id', 'name', 'customer_account'])
      const missing = await api({ method: 'GET', url: '/api/v1/customer-services/424242' })
      t.equal(missing.statusCode, 404)
      t.same(missing.json(), { message: 'No query results for model [App\\Models\\CustomerService] 424242' })
      for (const id of ['abc', '0', '99999999999', '-1']) {
        t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${id}` })).statusCode, 404, `id ${id}`)
      }
    })

    t.test('delete answers 204, and 409 with the count while customers have the service', async (t) => {
      const { api } = await setup(t, dialect)
      const service = await createService(api, 'voip', 'VoIP')
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [service.id] } })
      const refused = await api({ method: 'DELETE', url: `/api/v1/customer-services/${service.id}` })
      t.equal(refused.statusCode, 409)
      t.same(refused.json(), { message: 'The customer service is still assigned to 1 customer.', customers_count: 1 })
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [] } })
      const deleted = await api({ method: 'DELETE', url: `/api/v1/customer-services/${service.id}` })
      t.equal(deleted.statusCode, 204)
      t.equal(deleted.body, '')
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${service.id}` })).statusCode, 404)
      t.equal((await api({ method: 'DELETE', url: `/api/v1/customer-services/${service.id}` })).statusCode, 404)
    })

    t.test('filters match case-insensitive substrings, accents and wildcards literally', async (t) => {
      const { api } = await setup(t, dialect)
      await createService(api, 'telephony', 'TÉLÉPHONIE fixe')
      await createService(api, 'support', 'Support 100%')
      await createService(api, 'support_plus', 'Support_Plus')
      await createService(api, 'supportxplus', 'SupportXPlus')
      await createService(api, 'voip', 'VoIP \\ trunk')
      const names = async (query: string) =>
        (await api({ method: 'GET', url: `/api/v1/customer-services?${query}` })).json().data.map((row: { key: string }) => row.key)
      t.same(await names('filter[name]=télé'), ['telephony'])
      t.same(await names('filter%5Bname%5D=t%C3%A9l%C3%A9'), ['telephony'], 'percent-encoded brackets')
      t.same(await names('filter[name]=100%25'), ['support'], '% is literal')
      t.same(await names('filter[name]=t_plus'), ['support_plus'], '_ is literal')
      t.same(await names('filter[name]=%5C'), ['voip'], 'backslash is literal')
      t.same(await names('filter[name]=voip,fixe'), ['telephony', 'voip'], 'a comma separates alternatives')
      t.same(await names('filter[name][]=voip&filter[name][]=fixe'), ['telephony', 'voip'], 'a PHP list of values')
      t.same(await names('filter[name]=support&filter[key]=plus'), ['support_plus', 'supportxplus'], 'filters combine')
      t.same(await names('filter[name]=%20%20'), ['telephony', 'support', 'support_plus', 'supportxplus', 'voip'], 'an empty value means no filter')
      t.same(await names('filter=abc&unknown=1'), ['telephony', 'support', 'support_plus', 'supportxplus', 'voip'], 'a plain filter and unknown parameters are ignored')
      t.same(await names('filter[name]=a&filter[name]=VOIP'), ['voip'], 'a repeated key keeps its last value')
    })

    t.test('sorts, descending and several, with id breaking ties', async (t) => {
      const { app, api } = await setup(t, dialect)
      await createService(api, 'b', 'beta')
      await createService(api, 'a2', 'Alpha')
      await createService(api, 'a1', 'alpha')
      await createService(api, 'c', 'Gamma')
      // Distinct creation times, however fast the rows were written.
      for (const [key, minute] of [['b', 1], ['a2', 2], ['a1', 2], ['c', 3]] as const) {
        await app.db.updateTable('customer_services').set({ created_at: `2026-01-01T00:0${minute}:00.000Z` }).where('key', '=', key).execute()
      }
      const keys = async (query: string) =>
        (await api({ method: 'GET', url: `/api/v1/customer-services?${query}` })).json().data.map((row: { key: string }) => row.key)
      t.same(await keys(''), ['b', 'a2', 'a1', 'c'], 'by id by default')
      t.same(await keys('sort=key'), ['a1', 'a2', 'b', 'c'])
      t.same(await keys('sort=-key'), ['c', 'b', 'a2', 'a1'])
      t.same(await keys('sort=name'), ['a2', 'a1', 'b', 'c'], 'names sort without regard to case')
      t.same(await keys('sort=-created_at,name'), ['c', 'a2', 'a1', 'b'], 'equal folded names fall back to the name itself')
      t.same(await keys('sort=-created_at'), ['c', 'a2', 'a1', 'b'], 'equal times fall back to id')
      t.same(await keys('sort=%20-id%20,'), ['c', 'a1', 'a2', 'b'], 'terms are trimmed')
    })

    t.test('unknown filters and sorts are a 400 with the exact texts', async (t) => {
      const { api } = await setup(t, dialect)
      const sort = await api({ method: 'GET', url: '/api/v1/customer-services?sort=-foo' })
      t.equal(sort.statusCode, 400)
      t.same(sort.json(), { message: 'Requested sort(s) `foo` is not allowed. Allowed sort(s) are `id, name, key, created_at, updated_at`.' })
      const filter = await api({ method: 'GET', url: '/api/v1/customer-services?filter[foo]=1&filter[bar]=2' })
      t.equal(filter.statusCode, 400)
      t.same(filter.json(), { message: 'Requested filter(s) `foo, bar` are not allowed. Allowed filter(s) are `name, key`.' })
    })

    t.test('pagination follows Laravel: sizes, caps, pages past the end, URLs that keep the query', async (t) => {
      const { api } = await setup(t, dialect)
      for (let i = 1; i <= 25; i++) await createService(api, `svc-${String(i).padStart(2, '0')}`, `Service ${i}`)
      const page2 = (await api({ method: 'GET', url: '/api/v1/customer-services?page=2&sort=key&filter[key]=svc', headers: { host: 'api.example.test' } })).json()
      t.match(page2, {
        current_page: 2,
        from: 11,
        to: 20,
        last_page: 3,
        per_page: 10,
        total: 25,
        path: 'http://api.example.test/api/v1/customer-services',
        first_page_url: 'http://api.example.test/api/v1/customer-services?sort=key&filter%5Bkey%5D=svc&page=1',
        next_page_url: 'http://api.example.test/api/v1/customer-services?sort=key&filter%5Bkey%5D=svc&page=3',
        prev_page_url: 'http://api.example.test/api/v1/customer-services?sort=key&filter%5Bkey%5D=svc&page=1'
      })
      t.equal(page2.data.length, 10)
      t.equal(page2.data[0].key, 'svc-11')
      t.same(page2.links.map((link: { label: string }) => link.label), ['&laquo; Previous', '1', '2', '3', 'Next &raquo;'])

      const size = async (query: string) => (await api({ method: 'GET', url: `/api/v1/customer-services?${query}` })).json()
      t.equal((await size('per_page=5')).data.length, 5)
      t.equal((await size('per_page=500')).per_page, 100, 'capped at 100')
      t.equal((await size('per_page=0')).per_page, 10, 'invalid means 10')
      t.equal((await size('per_page=abc')).per_page, 10)
      t.equal((await size('page=abc')).current_page, 1, 'an invalid page means 1')
      t.equal((await size('page=-3')).current_page, 1)
      t.equal((await size('page[]=2')).current_page, 1)
      const past = await size('page=9')
      t.match(past, { current_page: 9, data: [], from: null, to: null, total: 25, last_page: 3 })
    })

    t.test('page URLs honour X-Forwarded-* only when the proxy is trusted', async (t) => {
      const { api } = await setup(t, dialect)
      const headers = { host: 'internal:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }
      const untrusted = (await api({ method: 'GET', url: '/api/v1/customer-services', headers })).json()
      t.equal(untrusted.path, 'http://internal:3000/api/v1/customer-services')

      const { buildTestApp, loginAs, clientFor } = await import('../helpers/app.js')
      const app = await buildTestApp(t, dialect, { TRUST_PROXY: 'true' })
      const trusted = await clientFor(app, await loginAs(app))({ method: 'GET', url: '/api/v1/customer-services', headers })
      t.equal(trusted.json().path, 'https://api.example.com/api/v1/customer-services')
    })

    t.test('counts in the catalog are exact after syncs and deletions', async (t) => {
      const { api } = await setup(t, dialect)
      const a = await createService(api, 'a', 'A')
      const b = await createService(api, 'b', 'B')
      const customers = []
      for (const name of ['one', 'two', 'three']) customers.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name } })).json())
      const sync = (customer: { id: number }, services: number[]) =>
        api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services } })
      await sync(customers[0], [a.id, b.id])
      await sync(customers[1], [a.id])
      await sync(customers[2], [a.id, b.id])
      await sync(customers[2], [b.id])
      await api({ method: 'DELETE', url: `/api/v1/customers/${customers[0].id}` })
      const counts = (await api({ method: 'GET', url: '/api/v1/customer-services' })).json().data.map((row: { customers_count: number }) => row.customers_count)
      t.same(counts, [1, 1])
      for (let i = 0; i < 3; i++) await createService(api, `extra-${i}`, 'Extra')
      await api({ method: 'DELETE', url: `/api/v1/customer-services/${(await createService(api, 'gone', 'Gone')).id}` })
      const page = (await api({ method: 'GET', url: '/api/v1/customer-services?per_page=2' })).json()
      t.equal(page.total, 5, 'the unfiltered total, kept through creations and deletions')
    })
  })
}
