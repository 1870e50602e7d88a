import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'
import { seedServicesAndCustomer as seed } from '../helpers/seed.js'

interface Listed {
  id: number
  pivot: { version: string | null, created_at: string, updated_at: string }
}

const pause = async () => await new Promise((resolve) => setTimeout(resolve, 5))

const list = async (api: Client, url: string, query = '') => {
  const answer = await api({ method: 'GET', url: `${url}?per_page=100${query}` })
  if (answer.statusCode !== 200) throw new Error(answer.body)
  return answer.json().data as Listed[]
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('`at` answers the set observed at that time, pivots included', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c, d], url } = await seed(api)
      const observed: Array<{ at: string, set: Listed[] }> = []
      const observe = async () => {
        await pause()
        const at = new Date().toISOString()
        observed.push({ at, set: await list(api, url) })
        await pause()
      }
      await observe()
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '1.0' }, [b]: {} } } })
      await observe()
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '1.1' }, [c]: {} } } })
      await observe()
      await api({ method: 'POST', url, payload: { services: [] } })
      await observe()
      await api({ method: 'POST', url, payload: { services: { [b]: { version: '9' }, [d]: {}, [a]: {} } } })
      await observe()
      t.same(observed.map((entry) => entry.set.length), [0, 2, 2, 0, 3])
      // An `at` answer also says of each service whether it has left the catalog since: none has.
      const inCatalog = (set: Listed[] = []) => set.map((row) => ({ ...row, deleted_at: null }))
      for (const { at, set } of observed) {
        t.same(await list(api, url, `&at=${at}`), inCatalog(set), `at ${at}`)
        const offset = at.replace('Z', '+02:00').replace(/T(\d\d)/, (_, hour) => `T${String(Number(hour) + 2).padStart(2, '0')}`)
        if (!/T2[4-9]/.test(offset)) t.same(await list(api, url, `&at=${encodeURIComponent(offset)}`), inCatalog(set), `at ${offset}`)
      }
      t.same(await list(api, url, '&at=2999-01-01T00:00:00Z'), inCatalog(observed[4]?.set), 'a future time is the current set')
      t.same(await list(api, url, '&at=1999-01-01T00:00:00Z'), [], 'before any history, nothing')
    })

    t.test('`at` keeps the list conventions: filters, sorts, pages and links', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c, d], url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: [a, b, c, d] } })
      await pause()
      const at = new Date().toISOString()
      await pause()
      await api({ method: 'POST', url, payload: { services: [a] } })
      t.same((await list(api, url, `&at=${at}&filter[key]=svc-2,svc-4`)).map((row) => row.id), [b, d])
      t.same((await list(api, url, `&at=${at}&sort=-key`)).map((row) => row.id), [d, c, b, a])
      const page = (await api({ method: 'GET', url: `${url}?at=${at}&per_page=3&page=2` })).json()
      t.match(page, { total: 4, current_page: 2, last_page: 2, from: 4, to: 4 })
      t.equal(page.data[0].id, d)
      t.match(page.prev_page_url, new RegExp(`\\?at=${at.replace(/[.:]/g, (x) => x === '.' ? '\\.' : '%3A')}&per_page=3&page=1$`))
      const historic = await api({ method: 'GET', url: `${url}?at=${at}` })
      t.equal(historic.headers.etag, undefined, 'a past set carries no entity tag')
    })

    t.test('a service deleted from the catalog since stays in the `at` answers before its deletion, marked deleted_at', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b], customer, url } = await seed(api)
      const now = async () => { await pause(); const at = new Date().toISOString(); await pause(); return at }
      await api({ method: 'POST', url, payload: { services: { [a]: { version: '2.0' }, [b]: {} } } })
      const whileAssigned = await now()
      await api({ method: 'PATCH', url: `/api/v1/customer-services/${a}`, payload: { name: 'Gold tier' } })
      await api({ method: 'POST', url, payload: { services: [b] } })
      const afterDetach = await now()
      t.equal((await api({ method: 'DELETE', url: `/api/v1/customer-services/${a}` })).statusCode, 204)
      const afterDeletion = await now()

      const then = (await api({ method: 'GET', url: `${url}?at=${whileAssigned}` })).json().data
      t.same(then.map((row: { id: number }) => row.id), [a, b])
      t.match(then[0], { id: a, key: 'svc-1', name: 'Gold tier', pivot: { version: '2.0' }, deleted_at: /^\d{4}-.*\.\d{6}Z$/ }, 'as it was when deleted')
      t.ok(then[0].deleted_at > afterDetach && then[0].deleted_at < afterDeletion, 'deleted_at is the time of the deletion')
      t.equal(then[1].deleted_at, null, 'a service still in the catalog says so')
      t.same((await list(api, url, `&at=${whileAssigned}&filter[name]=gold&sort=-name`)).map((row) => row.id), [a], 'filters apply to it')
      t.same((await list(api, url, `&at=${afterDetach}`)).map((row) => row.id), [b], 'absent once detached')
      const current = (await api({ method: 'GET', url })).json().data
      t.same(current.map((row: { id: number }) => row.id), [b])
      t.notOk('deleted_at' in current[0], 'the current set is answered as before')

      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${a}` })).statusCode, 404, 'gone from the catalog')
      t.notOk((await api({ method: 'GET', url: '/api/v1/customer-services?per_page=100' })).json().data.some((row: { id: number }) => row.id === a))
      t.same((await api({ method: 'POST', url, payload: { services: [b, a] } })).json().errors, { 'services.1': ['The selected services.1 is invalid.'] })
      t.equal((await api({ method: 'PUT', url: `${url}/svc-1` })).statusCode, 404, 'refused for a new assignment')
      t.equal((await api({ method: 'POST', url: `/api/v1/customer-services/${a}/customers`, payload: { attach: [customer.id] } })).statusCode, 404)

      const recreated = await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'svc-1', name: 'Service 1 again' } })
      t.equal(recreated.statusCode, 201, 'its key can be used again')
      const a2 = recreated.json().id
      t.not(a2, a)
      await api({ method: 'POST', url, payload: { services: [a2, b] } })
      const afterReuse = await now()
      const byKey = async (at: string) => (await list(api, url, `&at=${at}&filter[key]=svc-1`)) as Array<Listed & { deleted_at: string | null }>
      t.same((await byKey(whileAssigned)).map((row) => [row.id, row.deleted_at !== null]), [[a, true]])
      t.same((await byKey(afterReuse)).map((row) => [row.id, row.deleted_at !== null]), [[a2, false]])
    })

    t.test('an `at` that is not a date and time with a zone is a 422', async (t) => {
      const { api } = await setup(t, dialect)
      const { url } = await seed(api)
      for (const at of ['yesterday', '2026-01-01', '2026-01-01T00:00:00', '2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+25:00']) {
        const answer = await api({ method: 'GET', url: `${url}?at=${encodeURIComponent(at)}` })
        t.equal(answer.statusCode, 422, at)
        t.same(answer.json(), {
          message: 'The at field must be a valid ISO-8601 date and time with a zone, such as 2026-01-01T00:00:00Z.',
          errors: { at: ['The at field must be a valid ISO-8601 date and time with a zone, such as 2026-01-01T00:00:00Z.'] }
        })
      }
      t.equal((await api({ method: 'GET', url: `${url}?at[]=x` })).statusCode, 422)
      t.equal((await api({ method: 'GET', url: `${url}?at=` })).statusCode, 200, 'an empty value is no value')
      t.equal((await api({ method: 'GET', url: `${url}?at=2024-02-29T23:59:59.999999+00:00` })).statusCode, 200)
      t.equal((await api({ method: 'GET', url: `${url}?at=2024-02-29T23:59:59.9+05:30` })).statusCode, 200, 'an unencoded + arrives as a space and is read as +')
      t.equal((await api({ method: 'GET', url: '/api/v1/customers/999999/services?at=nonsense' })).statusCode, 404, 'a missing customer first')
    })
  })
}
