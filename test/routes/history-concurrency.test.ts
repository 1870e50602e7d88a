import t, { type Test } from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'
import type { HistoryEntry as Entry } from '../../src/schemas/history.js'

/** A customer's whole history, oldest first, page by page. */
async function fullHistory (api: Client, customerId: number): Promise<Entry[]> {
  const entries: Entry[] = []
  for (let page = 1; ; page++) {
    const answer = (await api({ method: 'GET', url: `/api/v1/customers/${customerId}/services/history?sort=id&per_page=100&page=${page}` })).json()
    entries.push(...answer.data)
    if (page >= answer.last_page) return entries
  }
}

type SetState = Map<number, string | null>

const stateOf = (rows: Array<{ id: number, pivot: { version: string | null } }>): SetState =>
  new Map(rows.map((row) => [row.id, row.pivot.version]))

const listed = async (api: Client, customerId: number, query = '') =>
  stateOf((await api({ method: 'GET', url: `/api/v1/customers/${customerId}/services?per_page=100${query}` })).json().data)

/** Replays history into the set it leaves, failing when an entry's `before` is not the state it follows. */
function replay (t: Test, entries: Entry[]): SetState {
  const state: SetState = new Map()
  for (const entry of entries) {
    const before = state.has(entry.customer_service_id) ? { version: state.get(entry.customer_service_id) ?? null } : null
    if (JSON.stringify(before) !== JSON.stringify(entry.before)) t.fail(`entry ${entry.id}: before ${JSON.stringify(entry.before)}, but the state was ${JSON.stringify(before)}`)
    if (entry.after === null) state.delete(entry.customer_service_id)
    else state.set(entry.customer_service_id, entry.after.version)
  }
  return state
}

const asObject = (state: SetState) => Object.fromEntries([...state].sort(([a], [b]) => a - b))

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('after concurrent syncs of several customers, each history replays exactly to its set and counts every change', async (t) => {
      const { api } = await setup(t, dialect)
      const services: number[] = []
      for (let i = 0; i < 10; i++) {
        services.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `S${i}` } })).json().id)
      }
      const customers: number[] = []
      for (let i = 0; i < 4; i++) customers.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)

      const changes = new Map(customers.map((id) => [id, 0]))
      for (let round = 0; round < 3; round++) {
        const requests = customers.flatMap((customer, c) => Array.from({ length: 8 }, (_, i) => ({
          customer,
          services: Object.fromEntries(services
            .filter((_, j) => (j * 7 + i * 3 + c + round) % 5 < 2 + (i % 3))
            .map((id, j) => [id, (i + j) % 2 === 0 ? { version: `v${(i + round) % 3}` } : {}]))
        })))
        const answers = await Promise.all(requests.map(({ customer, services }) =>
          api({ method: 'POST', url: `/api/v1/customers/${customer}/services`, payload: { services } })))
        answers.forEach((answer, i) => {
          t.equal(answer.statusCode, 201)
          const body = answer.json()
          const customer = requests[i]?.customer as number
          changes.set(customer, (changes.get(customer) ?? 0) + body.attached.length + body.detached.length + body.updated.length)
        })
      }
      for (const customer of customers) {
        const history = await fullHistory(api, customer)
        t.equal(history.length, changes.get(customer), `customer ${customer}: one row per change the syncs reported`)
        t.same(asObject(replay(t, history)), asObject(await listed(api, customer)), `customer ${customer}: history replays to the current set`)
        t.ok(history.every((entry, i) => i === 0 || entry.created_at >= (history[i - 1] as Entry).created_at), 'times never go back')
      }
    })

    t.test('syncs, single-service writes and bulk writes racing on the same customers leave exact, time-ordered histories', async (t) => {
      const { api } = await setup(t, dialect)
      const services: number[] = []
      for (let i = 0; i < 6; i++) {
        services.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `S${i}` } })).json().id)
      }
      const customers: number[] = []
      for (let i = 0; i < 3; i++) customers.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)
      const at = (i: number) => services[i % services.length] as number
      for (let round = 0; round < 3; round++) {
        const requests = customers.flatMap((customer, c) => [
          { method: 'POST' as const, url: `/api/v1/customers/${customer}/services`, payload: { services: [at(c + round), at(c + round + 2)] } },
          { method: 'PUT' as const, url: `/api/v1/customers/${customer}/services/${at(c + round + 1)}`, payload: { version: `v${round}` } },
          { method: 'PUT' as const, url: `/api/v1/customers/${customer}/services/${at(c + round + 2)}`, payload: { version: `w${round}` } },
          { method: 'DELETE' as const, url: `/api/v1/customers/${customer}/services/${at(c + round)}` }
        ])
        requests.push(
          { method: 'POST' as const, url: `/api/v1/customer-services/${at(round)}/customers`, payload: { attach: customers, detach: [] } as never },
          { method: 'POST' as const, url: `/api/v1/customer-services/${at(round + 3)}/customers`, payload: { attach: [], detach: customers } as never }
        )
        const answers = await Promise.all(requests.map((request) => api(request)))
        for (const answer of answers) t.ok(answer.statusCode < 300 || answer.statusCode === 404, `${answer.statusCode} ${answer.body.slice(0, 100)}`)
      }
      let rows = 0
      for (const customer of customers) {
        const history = await fullHistory(api, customer)
        rows += history.length
        t.same(asObject(replay(t, history)), asObject(await listed(api, customer)), `customer ${customer}: history replays to the current set`)
        t.ok(history.every((entry, i) => i === 0 || entry.created_at >= (history[i - 1] as Entry).created_at), `customer ${customer}: times follow ids`)
      }
      const events = (await api({ method: 'GET', url: '/api/v1/events?limit=1000' })).json().data.filter((event: { type: string }) => event.type.startsWith('assignment.'))
      t.equal(events.length, rows, 'one event per history row')
    })

    t.test('while syncs race, every set a reader observes is the point-in-time answer for a moment around its request', async (t) => {
      const { api } = await setup(t, dialect)
      const services: number[] = []
      for (let i = 0; i < 6; i++) {
        services.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `S${i}` } })).json().id)
      }
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json().id
      const pivots = async (query = '') => {
        const answer = await api({ method: 'GET', url: `/api/v1/customers/${customer}/services?per_page=100${query}` })
        t.equal(answer.statusCode, 200)
        return JSON.stringify(answer.json().data.map((row: { id: number, pivot: object }) => [row.id, row.pivot]))
      }
      const observations: Array<{ from: number, to: number, set: string }> = []
      const writing = { done: false }
      const observer = (async () => {
        while (observations.length < 5 || !writing.done) {
          const from = Date.now()
          const set = await pivots()
          observations.push({ from, to: Date.now(), set })
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      })()
      for (let round = 0; round < 4; round++) {
        await Promise.all(Array.from({ length: 6 }, (_, i) => api({
          method: 'POST',
          url: `/api/v1/customers/${customer}/services`,
          payload: { services: Object.fromEntries(services.filter((_, j) => (i + j + round) % 3 !== 0).map((id) => [id, { version: `r${round}.${i}` }])) }
        })))
      }
      writing.done = true
      await observer

      // A change is stamped inside its transaction, a moment before it becomes visible: a reader
      // sees the set as of just before the first change it does not see yet, or after the last.
      const stamps = [...new Set((await fullHistory(api, customer)).map((entry) => Date.parse(entry.created_at)))]
      for (const { from, to, set } of observations) {
        const candidates = [to, ...stamps.filter((stamp) => stamp >= from - 500 && stamp <= to).map((stamp) => stamp - 1)]
        let matched = false
        for (const at of candidates) {
          if (await pivots(`&at=${new Date(at).toISOString()}`) === set) {
            matched = true
            break
          }
        }
        t.ok(matched, `the set observed between ${from} and ${to} is the set at one of ${candidates.join(', ')}`)
      }
    })
  })
}
