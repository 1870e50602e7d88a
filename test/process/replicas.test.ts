import { join } from 'node:path'
import t from 'tap'
import { freshPostgresUrl, testDialects } from '../helpers/app.js'
import { httpClient, loginOver, startServer, type HttpClient } from '../helpers/server-process.js'

const ROUNDS = 6

/** A set of services, different for each worker and round. */
function setFor (services: readonly number[], seed: number, round: number): number[] {
  const bits = ((seed * 53 + round * 17) % 255) + 1
  return services.filter((_, bit) => bits & (1 << bit))
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i])

for (const dialect of testDialects()) {
  t.test(`${dialect}: two server processes on one database serialize racing syncs of the same customers`, async (t) => {
    const databaseUrl = dialect === 'sqlite' ? join(t.testdir(), 'shared.sqlite') : await freshPostgresUrl(t)
    const start = () => startServer(t, { DATABASE_URL: databaseUrl })
    // Both migrate as they start. PostgreSQL's migrations take a lock, so the two start at once;
    // Kysely takes none on SQLite, where two processes migrating one new file at once could both
    // run the first migration.
    const replicas = dialect === 'postgres' ? await Promise.all([start(), start()]) : [await start(), await start()]
    const token = await loginOver(replicas[0]!.url, databaseUrl)
    const [one, two] = replicas.map((replica) => httpClient(replica.url, token)) as [HttpClient, HttpClient]
    const services: number[] = []
    for (let i = 1; i <= 8; i++) {
      services.push((await (i % 2 === 0 ? one : two)('POST', '/api/v1/customer-services', { key: `svc-${i}`, name: `Service ${i}` })).body.id)
    }
    const customers: number[] = []
    for (let i = 0; i < 4; i++) customers.push((await (i % 2 === 0 ? one : two)('POST', '/api/v1/customers', { name: `Customer ${i}` })).body.id)

    // Two workers per customer on each replica, each syncing its customer ROUNDS times in a row.
    const workers = customers.flatMap((customerId, i) => [one, two, one, two].map((api, j) => ({ customerId, api, seed: 4 * i + j + 1 })))
    const statuses = await Promise.all(workers.map(async (worker) => {
      const answered: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        const url = `/api/v1/customers/${worker.customerId}/services`
        answered.push((await worker.api('POST', url, { services: setFor(services, worker.seed, round) })).status)
      }
      return answered
    }))
    t.same(statuses.flat().filter((status) => status !== 201), [], 'every sync through either replica succeeded')

    const holders = new Map<number, number>()
    for (const customerId of customers) {
      const [viaOne, viaTwo] = await Promise.all([one, two].map(async (api) =>
        (await api('GET', `/api/v1/customers/${customerId}/services?per_page=100`)).body.data.map((row: { id: number }) => row.id)))
      t.same(viaOne, viaTwo, `customer ${customerId}: both replicas read the same set`)
      // The last commit is one worker's last sync.
      const lastSets = workers.filter((worker) => worker.customerId === customerId).map((worker) => setFor(services, worker.seed, ROUNDS - 1))
      t.ok(lastSets.some((set) => same(set, viaOne)), `customer ${customerId} holds ${JSON.stringify(viaOne)}, the last set of one of its workers`)
      for (const id of viaOne) holders.set(id, (holders.get(id) ?? 0) + 1)
    }
    for (const api of [one, two]) {
      const catalog = (await api('GET', '/api/v1/customer-services?per_page=100')).body.data
      t.same(catalog.map((service: { id: number, customers_count: number }) => [service.id, service.customers_count]),
        services.map((id) => [id, holders.get(id) ?? 0]), 'every customers_count is exact')
    }
  })
}
