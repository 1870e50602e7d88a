import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'

async function seed (api: Client, serviceCount = 4) {
  const services = []
  for (let i = 1; i <= serviceCount; i++) {
    services.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `Service ${i}` } })).json())
  }
  const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
  return { services, customer, ids: services.map((service) => service.id) }
}

const assigned = async (api: Client, customerId: number) =>
  (await api({ method: 'GET', url: `/api/v1/customers/${customerId}/services?per_page=100` })).json().data

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('a sync with a list of ids makes the set exactly that and reports the changes', async (t) => {
      const { api } = await setup(t, dialect)
      const { customer, ids } = await seed(api)
      const url = `/api/v1/customers/${customer.id}/services`
      const first = await api({ method: 'POST', url, payload: { services: [ids[2], ids[0], ids[2]] } })
      t.equal(first.statusCode, 201)
      t.same(first.json(), { message: 'Services synced successfully.', attached: [ids[0], ids[2]], detached: [], updated: [] })
      const second = await api({ method: 'POST', url, payload: { services: [ids[1], ids[2]] } })
      t.same(second.json(), { message: 'Services synced successfully.', attached: [ids[1]], detached: [ids[0]], updated: [] })
      t.same((await assigned(api, customer.id)).map((row: { id: number }) => row.id), [ids[1], ids[2]])
    })

    t.test('the keyed form sets pivot attributes and reports updates only where they differ', async (t) => {
      const { api } = await setup(t, dialect)
      const { customer, ids } = await seed(api)
      const url = `/api/v1/customers/${customer.id}/services`
      const first = await api({ method: 'POST', url, payload: { services: { [ids[0]]: {}, [ids[1]]: { version: '1.1.0' }, [ids[2]]: [] } } })
      t.same(first.json().attached, [ids[0], ids[1], ids[2]])
      const before = await assigned(api, customer.id)
      t.same(before.map((row: { pivot: { version: string | null } }) => row.pivot.version), [null, '1.1.0', null])
      await new Promise((resolve) => setTimeout(resolve, 5))
      const second = await api({ method: 'POST', url, payload: { services: { [ids[0]]: { version: '2.0' }, [ids[1]]: { version: '1.1.0' }, [ids[2]]: {} } } })
      t.same(second.json(), { message: 'Services synced successfully.', attached: [], detached: [], updated: [ids[0]] })
      const after = await assigned(api, customer.id)
      t.equal(after[0].pivot.version, '2.0')
      t.not(after[0].pivot.updated_at, before[0].pivot.updated_at, 'the updated row is touched')
      t.same(after[1].pivot, before[1].pivot, 'an unchanged row keeps its timestamps')
      t.same(after[2].pivot, before[2].pivot)
      const third = await api({ method: 'POST', url, payload: { services: [ids[0], ids[1], ids[2]] } })
      t.same(third.json().updated, [], 'ids without attributes leave versions alone')
      t.equal((await assigned(api, customer.id))[0].pivot.version, '2.0')
    })

    t.test('an empty list or object removes every service', async (t) => {
      const { api } = await setup(t, dialect)
      const { customer, ids } = await seed(api)
      const url = `/api/v1/customers/${customer.id}/services`
      await api({ method: 'POST', url, payload: { services: ids } })
      t.same((await api({ method: 'POST', url, payload: { services: [] } })).json().detached, ids)
      await api({ method: 'POST', url, payload: { services: ids } })
      t.same((await api({ method: 'POST', url, payload: { services: {} } })).json().detached, ids)
      t.same(await assigned(api, customer.id), [])
    })

    t.test('validation errors are Laravel texts and change nothing', async (t) => {
      const { api } = await setup(t, dialect)
      const { customer, ids } = await seed(api)
      const url = `/api/v1/customers/${customer.id}/services`
      await api({ method: 'POST', url, payload: { services: [ids[0]] } })
      const before = await assigned(api, customer.id)
      const check = async (payload: unknown, status: number, expected: unknown) => {
        const response = await api({ method: 'POST', url, payload: payload as object })
        t.equal(response.statusCode, status, JSON.stringify(payload))
        t.same(response.json(), expected)
      }
      await check({}, 422, { message: 'The services field is required.', errors: { services: ['The services field is required.'] } })
      await check({ services: null }, 422, { message: 'The services field is required.', errors: { services: ['The services field is required.'] } })
      await check({ services: 'x' }, 422, { message: 'The services field must be an array.', errors: { services: ['The services field must be an array.'] } })
      await check({ services: [ids[1], 'a'] }, 422, { message: 'The services.1 field must be an integer.', errors: { 'services.1': ['The services.1 field must be an integer.'] } })
      await check({ services: [ids[1], ids[2], 987654] }, 422, { message: 'The selected services.2 is invalid.', errors: { 'services.2': ['The selected services.2 is invalid.'] } })
      await check({ services: [99999999999, 0, -4] }, 422, {
        message: 'The selected services.0 is invalid. (and 2 more errors)',
        errors: { 'services.0': ['The selected services.0 is invalid.'], 'services.1': ['The selected services.1 is invalid.'], 'services.2': ['The selected services.2 is invalid.'] }
      })
      await check({ services: { abc: {} } }, 422, { message: 'The services.abc field must be an integer.', errors: { 'services.abc': ['The services.abc field must be an integer.'] } })
      await check({ services: { [ids[1]]: { version: 'x'.repeat(51) } } }, 422, {
        message: `The services.${ids[1]}.version field must not be greater than 50 characters.`,
        errors: { [`services.${ids[1]}.version`]: [`The services.${ids[1]}.version field must not be greater than 50 characters.`] }
      })
      await check({ services: { [ids[1]]: { version: 7 } } }, 422, {
        message: `The services.${ids[1]}.version field must be a string.`,
        errors: { [`services.${ids[1]}.version`]: [`The services.${ids[1]}.version field must be a string.`] }
      })
      const tooMany = await api({ method: 'POST', url, payload: { services: Array.from({ length: 1001 }, (_, i) => i + 1) } })
      t.equal(tooMany.statusCode, 422)
      t.equal(tooMany.json().message, 'The services field must not have more than 1000 items.')
      t.same(await assigned(api, customer.id), before, 'nothing changed')
    })

    t.test('bodies that are not JSON objects get a 400 with a message', async (t) => {
      const { api } = await setup(t, dialect)
      const { customer } = await seed(api, 1)
      const url = `/api/v1/customers/${customer.id}/services`
      const malformed = await api({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"services": [1' })
      t.equal(malformed.statusCode, 400)
      t.match(malformed.json().message, /^The request body is not valid JSON/)
      const array = await api({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '[1, 2]' })
      t.equal(array.statusCode, 400)
      t.same(array.json(), { message: 'The request body must be a JSON object.' })
      const empty = await api({ method: 'POST', url, headers: { 'content-type': 'application/json' } })
      t.equal(empty.statusCode, 422, 'an empty JSON body is read as {}')
      t.equal(empty.json().message, 'The services field is required.')
    })

    t.test('an unknown customer is a 404 before any validation', async (t) => {
      const { api } = await setup(t, dialect)
      const response = await api({ method: 'POST', url: '/api/v1/customers/4040/services', payload: { services: 'bad' } })
      t.equal(response.statusCode, 404)
      t.same(response.json(), { message: 'No query results for model [App\\Models\\Customer] 4040' })
      t.equal((await api({ method: 'GET', url: '/api/v1/customers/4040/services?sort=bogus' })).statusCode, 404)
      for (const customer of ['4040', 'abc', '0']) {
        const check = await api({ method: 'GET', url: `/api/v1/customers/${customer}/services/svc-1` })
        t.equal(check.statusCode, 404, customer)
        t.same(check.json(), { message: `No query results for model [App\\Models\\Customer] ${customer}` }, customer)
      }
    })

    t.test("a customer's list carries each service's pivot and takes the catalog's filters and sorts", async (t) => {
      const { api } = await setup(t, dialect)
      const { customer, ids } = await seed(api)
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: { [ids[3]]: { version: '3' }, [ids[1]]: {} } } })
      const page = (await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services?sort=-key` })).json()
      t.equal(page.total, 2)
      t.same(page.data.map((row: { key: string }) => row.key), ['svc-4', 'svc-2'])
      t.same(Object.keys(page.data[0]), ['id', 'key', 'name', 'description', 'can_be_enabled', 'created_at', 'updated_at', 'pivot'])
      t.match(page.data[0].pivot, { customer_id: customer.id, customer_service_id: ids[3], version: '3', created_at: String, updated_at: String })
      const filtered = (await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services?filter[name]=SERVICE%202` })).json()
      t.same(filtered.data.map((row: { id: number }) => row.id), [ids[1]])
      const bad = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services?filter[version]=3` })
      t.equal(bad.statusCode, 400)
    })

    t.test('the feature-flag check answers 200 with the pivot when assigned, 404 when not', async (t) => {
      const { api } = await setup(t, dialect)
      const { customer, ids } = await seed(api, 2)
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: { [ids[0]]: { version: '1.0' } } } })
      const has = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/svc-1` })
      t.equal(has.statusCode, 200)
      t.match(has.json(), { id: ids[0], key: 'svc-1', pivot: { customer_id: customer.id, customer_service_id: ids[0], version: '1.0' } })
      const hasNot = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/svc-2` })
      t.equal(hasNot.statusCode, 404)
      t.same(hasNot.json(), { message: 'No query results for model [App\\Models\\CustomerService] svc-2' })
      const unknown = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/no-such` })
      t.equal(unknown.statusCode, 404)
      t.same(unknown.json(), { message: 'No query results for model [App\\Models\\CustomerService] no-such' })
    })
  })
}
