import t from 'tap'
import { clientFor, setup, testDialects, type Client } from '../helpers/app.js'
import { seedServicesAndCustomer as seed } from '../helpers/seed.js'
import type { HistoryEntry as Entry } from '../../src/schemas/history.js'

const historyOf = async (api: Client, url: string, query = '') =>
  (await api({ method: 'GET', url: `${url}/history?per_page=100${query}` })).json().data as Entry[]

const eventCount = async (api: Client) => (await api({ method: 'GET', url: '/api/v1/events?limit=1000' })).json().data.length as number

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('a sync records each attach, update and detach with versions, actor and reason, newest first', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c], customer, url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '1.0' }, [b]: {} } }, headers: { 'x-reason': 'Onboarding, ticket #1' } })
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '2.0' }, [c]: {} } } })
      const history = await historyOf(api, url)
      t.same(history.map((entry) => [entry.action, entry.customer_service_id, entry.before, entry.after, entry.reason]), [
        ['attached', c, null, { version: null }, null],
        ['updated', a, { version: '1.0' }, { version: '2.0' }, null],
        ['detached', b, { version: null }, null, null],
        ['attached', b, null, { version: null }, 'Onboarding, ticket #1'],
        ['attached', a, null, { version: '1.0' }, 'Onboarding, ticket #1']
      ])
      t.ok(history.every((entry) => entry.customer_id === customer.id && entry.user_id !== null && entry.token_id !== null))
      t.same(history.map((entry) => entry.service_key), ['svc-3', 'svc-1', 'svc-2', 'svc-2', 'svc-1'])
      t.match(history[0]?.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/)
      t.ok(history.every((entry, i) => i === 0 || entry.id < (history[i - 1] as Entry).id), 'newest first')
    })

    t.test('a sync that changes nothing, or fails, writes no history and no event', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b], url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '1' }, [b]: {} } } })
      const history = await historyOf(api, url)
      const events = await eventCount(api)
      t.equal((await api({ method: 'POST', url, payload: { services: [b, a] } })).statusCode, 201)
      t.equal((await api({ method: 'POST', url, payload: { services: { [a]: { version: '1' }, [b]: [] } } })).statusCode, 201)
      t.equal((await api({ method: 'POST', url, payload: { services: [a, 987654] } })).statusCode, 422)
      t.equal((await api({ method: 'POST', url, payload: { services: [] }, headers: { 'x-reason': 'x'.repeat(256) } })).statusCode, 422)
      t.same(await historyOf(api, url), history)
      t.equal(await eventCount(api), events)
      t.equal((await api({ method: 'POST', url, payload: { services: [] }, headers: { 'x-reason': 'é'.repeat(255) } })).statusCode, 201)
      t.same((await historyOf(api, url)).slice(0, 2).map((entry) => entry.reason), ['é'.repeat(255), 'é'.repeat(255)])
    })

    t.test('deleting a customer records the removal of each of its services, with the versions it had', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c], customer, url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '3.1' }, [c]: {} } } })
      const deleted = await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}`, headers: { 'x-reason': 'Contract ended' } })
      t.equal(deleted.statusCode, 204)
      const missing = await api({ method: 'GET', url: `${url}/history` })
      t.equal(missing.statusCode, 404, "a deleted customer's history is not under the customer")
      const ofA = await historyOf(api, `/api/v1/customer-services/${a}`)
      t.same(ofA.map((entry) => [entry.action, entry.customer_id, entry.before, entry.after, entry.reason]), [
        ['detached', customer.id, { version: '3.1' }, null, 'Contract ended'],
        ['attached', customer.id, null, { version: '3.1' }, null]
      ])
      t.same((await historyOf(api, `/api/v1/customer-services/${c}`)).map((entry) => entry.action), ['detached', 'attached'])
      t.same(await historyOf(api, `/api/v1/customer-services/${b}`), [])
      const catalog = (await api({ method: 'GET', url: '/api/v1/customer-services' })).json().data
      t.same(catalog.map((service: { customers_count: number }) => service.customers_count), [0, 0, 0, 0])
      const other = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Empty' } })).json()
      t.equal((await api({ method: 'DELETE', url: `/api/v1/customers/${other.id}` })).statusCode, 204, 'a customer without services is deleted too')
    })

    t.test("a service's history spans its customers; unknown records are 404s; history cannot be written", async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a], url } = await seed(api)
      const other = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Other' } })).json()
      await api({ method: 'POST', url, payload: { services: [a] } })
      await api({ method: 'POST', url: `/api/v1/customers/${other.id}/services`, payload: { services: [a] } })
      const history = await historyOf(api, `/api/v1/customer-services/${a}`)
      t.same(history.map((entry) => entry.customer_id), [other.id, Number(url.split('/')[4])])
      t.equal((await api({ method: 'GET', url: '/api/v1/customer-services/999999/history' })).statusCode, 404)
      t.equal((await api({ method: 'GET', url: '/api/v1/customers/999999/services/history' })).statusCode, 404)
      const reserved = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'history', name: 'H' } })
      t.same([reserved.statusCode, reserved.json()], [422, { message: 'The key history is reserved.', errors: { key: ['The key history is reserved.'] } }],
        'a service keyed history would have an unreachable feature-flag check')
      t.equal((await api({ method: 'PATCH', url: `/api/v1/customer-services/${a}`, payload: { key: 'history' } })).statusCode, 422)
      t.equal((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'history.v2', name: 'H' } })).statusCode, 201)
      const before = await historyOf(api, url)
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        const answer = await api({ method, url: `${url}/history`, payload: {} })
        t.equal(answer.statusCode, 405, `${method} on a customer's history`)
        t.equal((await api({ method, url: `/api/v1/customer-services/${a}/history` })).statusCode, 405, `${method} on a service's history`)
      }
      t.same(await historyOf(api, url), before, 'no route writes history')
    })

    t.test('every method a history path lacks is a 405 with its Allow, before authentication, PUT and DELETE too', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { ids: [a], customer, url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: [a] } })
      const before = await historyOf(api, url)
      for (const path of [`/api/v1/customers/${customer.id}/services/history`, `/api/v1/customer-services/${a}/history`, `/api/v1/customers/${customer.id}/services/history/`]) {
        const route = path.replace(/^\/|\/$/g, '')
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
          for (const [who, send] of [['a token', api], ['no token', app.inject.bind(app)]] as const) {
            const answer = await send({ method, url: path, payload: {}, headers: { 'idempotency-key': `k-${method}` } })
            t.equal(answer.statusCode, 405, `${method} ${path} with ${who}`)
            t.equal(answer.headers.allow, 'GET, HEAD')
            t.same(answer.json(), { message: `The ${method} method is not supported for route ${route}. Supported methods: GET, HEAD.` })
          }
        }
        const options = await app.inject({ method: 'OPTIONS', url: path })
        t.same([options.statusCode, options.headers.allow], [204, 'GET, HEAD'], `OPTIONS ${path}`)
      }
      t.same(await historyOf(api, url), before, 'nothing ran')
      const assigned = await api({ method: 'PUT', url: `${url}/${a}`, payload: {} })
      t.equal(assigned.statusCode, 200, 'the single-service routes still answer for every other key')
      const other = await app.inject({ method: 'POST', url: `${url}/voip` })
      t.equal(other.headers.allow, 'GET, HEAD, PUT, DELETE')
    })

    t.test("a customer token reads neither its customer's history nor the change events", async (t) => {
      const { app, api } = await setup(t, dialect)
      const { ids: [a], customer, url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: [a] } })
      const issued = await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/tokens`, payload: { name: 'portal' } })
      t.equal(issued.statusCode, 201)
      const portal = clientFor(app, issued.json().token)
      t.equal((await portal({ method: 'GET', url: `${url}/history` })).statusCode, 403)
      t.equal((await portal({ method: 'GET', url: `/api/v1/customer-services/${a}/history` })).statusCode, 403)
      t.equal((await portal({ method: 'GET', url: '/api/v1/events' })).statusCode, 403)
    })

    t.test('history filters by action, service key and time, pages like every list, and sorts oldest first on request', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c], url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: [a, b] } })
      const between = new Date().toISOString()
      await new Promise((resolve) => setTimeout(resolve, 5))
      await api({ method: 'POST', url, payload: { services: { [b]: { version: '2' }, [c]: {} } } })
      const all = await historyOf(api, url)
      t.equal(all.length, 5)
      t.same((await historyOf(api, url, '&filter[action]=attached')).map((entry) => entry.customer_service_id), [c, b, a])
      t.same((await historyOf(api, url, '&filter[action]=detached,updated')).map((entry) => entry.action), ['updated', 'detached'])
      t.same((await historyOf(api, url, '&filter[service_key]=SVC-2')).map((entry) => entry.action), ['updated', 'attached'])
      t.same((await historyOf(api, url, '&filter[service_key]=svc-1,svc-3')).map((entry) => entry.customer_service_id), [c, a, a])
      t.same((await historyOf(api, url, `&filter[to]=${between}`)).map((entry) => entry.customer_service_id), [b, a])
      t.same((await historyOf(api, url, `&filter[from]=${between}`)).length, 3)
      const offset = encodeURIComponent(between.replace('Z', '+00:00'))
      t.same((await historyOf(api, url, `&filter[from]=${offset}&filter[action]=attached`)).map((entry) => entry.customer_service_id), [c])
      t.same((await historyOf(api, url, '&filter[from]=&filter[action]=')).length, 5, 'empty filters are no filters')
      t.same((await historyOf(api, url, '&sort=id')).map((entry) => entry.id), all.map((entry) => entry.id).reverse())
      t.same((await historyOf(api, url, '&sort=-id')).map((entry) => entry.id), all.map((entry) => entry.id))

      const page = (await api({ method: 'GET', url: `${url}/history?per_page=2&page=2&filter[action]=attached` })).json()
      t.match(page, { current_page: 2, per_page: 2, total: 3, from: 3, to: 3, last_page: 2 })
      t.match(page.first_page_url, /history\?per_page=2&filter%5Baction%5D=attached&page=1$/)

      const invalid = async (query: string, status: number, message: RegExp) => {
        const answer = await api({ method: 'GET', url: `${url}/history?${query}` })
        t.equal(answer.statusCode, status, query)
        t.match(answer.json().message, message)
      }
      await invalid('filter[action]=attached,removed', 422, /^The selected filter\.action is invalid/)
      await invalid('filter[from]=yesterday', 422, /^The filter\.from field must be a valid ISO-8601 date and time/)
      await invalid('filter[to]=2026-02-30T00:00:00Z', 422, /^The filter\.to field must be a valid/)
      await invalid('filter[to]=2026-01-01T00:00:00', 422, /^The filter\.to field must be a valid/)
      await invalid('filter[who]=me', 400, /^Requested filter\(s\) `who` are not allowed\. Allowed filter\(s\) are `action, service_key, from, to`\.$/)
      await invalid('sort=created_at', 400, /^Requested sort\(s\) `created_at` is not allowed/)
    })
  })
}
