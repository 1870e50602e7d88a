import { join } from 'node:path'
import t from 'tap'
import { freshPostgresUrl, testDialects } from '../helpers/app.js'
import { eventually, httpClient, loginOver, startServer, type HttpClient } from '../helpers/server-process.js'

interface Worker {
  readonly customerId: number
  readonly seed: number
  /** The set of its last sync answered 201, if any. */
  lastAnswered?: number[]
  /** The set of the sync that got no answer: it may or may not have committed. */
  unanswered?: number[]
  answered: number
  unexpected?: number
}

/** A set of services, different for each worker and round, so that a mix of two would show. */
function setFor (services: readonly number[], seed: number, round: number): number[] {
  const bits = ((seed * 37 + round * 11) % 255) + 1
  return services.filter((_, bit) => bits & (1 << bit))
}

/** Syncs its customer again and again until a sync gets no answer (the server died). */
async function syncUntilSilent (api: HttpClient, worker: Worker, services: readonly number[]): Promise<void> {
  for (let round = 0; ; round++) {
    const set = setFor(services, worker.seed, round)
    let status: number
    try {
      status = (await api('POST', `/api/v1/customers/${worker.customerId}/services`, { services: set })).status
    } catch {
      worker.unanswered = set
      return
    }
    if (status !== 201) {
      worker.unexpected = status
      return
    }
    worker.lastAnswered = set
    worker.answered++
  }
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i])

for (const dialect of testDialects()) {
  t.test(`${dialect}: after a SIGKILL in the middle of concurrent syncs, every customer holds a set one request asked for and the counts are exact`, async (t) => {
    const databaseUrl = dialect === 'sqlite' ? join(t.testdir(), 'service.sqlite') : await freshPostgresUrl(t)
    const server = await startServer(t, { DATABASE_URL: databaseUrl })
    const token = await loginOver(server.url, databaseUrl)
    const api = httpClient(server.url, token)
    const services: number[] = []
    for (let i = 1; i <= 8; i++) {
      services.push((await api('POST', '/api/v1/customer-services', { key: `svc-${i}`, name: `Service ${i}` })).body.id)
    }
    const customers: number[] = []
    for (let i = 0; i < 5; i++) customers.push((await api('POST', '/api/v1/customers', { name: `Customer ${i}` })).body.id)

    // Two workers race on each customer.
    const workers: Worker[] = customers.flatMap((customerId, i) => [0, 1].map((j) => ({ customerId, seed: 2 * i + j + 1, answered: 0 })))
    const load = Promise.all(workers.map((worker) => syncUntilSilent(api, worker, services)))
    await eventually('the load is under way', () => workers.every((worker) => worker.answered >= 2))
    server.child.kill('SIGKILL')
    t.equal((await server.exited).signal, 'SIGKILL')
    await load
    t.same(workers.filter((worker) => worker.unexpected !== undefined), [], 'every sync was answered 201 until the server died')

    const restarted = await startServer(t, { DATABASE_URL: databaseUrl })
    const after = httpClient(restarted.url, token)
    const holders = new Map<number, number>()
    for (const customerId of customers) {
      const held = (await after('GET', `/api/v1/customers/${customerId}/services?per_page=100`)).body.data.map((row: { id: number }) => row.id)
      // The last commit is a worker's last answered sync or the one it got no answer to.
      const candidates = workers.filter((worker) => worker.customerId === customerId)
        .flatMap((worker) => [worker.lastAnswered, worker.unanswered])
        .filter((set): set is number[] => set !== undefined)
      t.ok(candidates.some((set) => same(set, held)), `customer ${customerId} holds ${JSON.stringify(held)}, which a request asked for`)
      for (const id of held) holders.set(id, (holders.get(id) ?? 0) + 1)
    }
    const catalog = (await after('GET', '/api/v1/customer-services?per_page=100')).body.data
    t.same(catalog.map((service: { id: number, customers_count: number }) => [service.id, service.customers_count]),
      services.map((id) => [id, holders.get(id) ?? 0]), 'customers_count matches the assignments')
    t.equal((await after('GET', '/api/v1/customers')).body.total, customers.length, 'the maintained customer total is exact')

    // History and events were written in the syncs' transactions: all of a commit's, or none.
    let historyRows = 0
    for (const customerId of customers) {
      const history: Array<{ customer_service_id: number, after: object | null }> = []
      for (let page = 1; ; page++) {
        const body = (await after('GET', `/api/v1/customers/${customerId}/services/history?sort=id&per_page=100&page=${page}`)).body
        history.push(...body.data)
        if (page >= body.last_page) break
      }
      const replayed = new Set<number>()
      for (const entry of history) {
        if (entry.after === null) replayed.delete(entry.customer_service_id)
        else replayed.add(entry.customer_service_id)
      }
      const held = (await after('GET', `/api/v1/customers/${customerId}/services?per_page=100`)).body.data.map((row: { id: number }) => row.id)
      t.same([...replayed].sort((a, b) => a - b), held, `customer ${customerId}: its history replays to the set it holds`)
      historyRows += history.length
    }
    let assignmentEvents = 0
    for (let cursor = '0'; ;) {
      const body = (await after('GET', `/api/v1/events?after=${cursor}&limit=1000`)).body
      assignmentEvents += body.data.filter((event: { type: string }) => event.type.startsWith('assignment.')).length
      if (body.data.length === 0) break
      cursor = body.next_cursor
    }
    t.equal(assignmentEvents, historyRows, 'one event per history row: none lost, none without its change')
  })
}
