/*
 * PostgreSQL CPU of a sync in process, one connection, one sync after another (little lock
 * waiting, little noise from other load), beside a naive writer's on the same data: lock the
 * customer, read its set, delete and insert the difference, commit (no history, no outbox).
 *
 *   npx tsx scripts/sync-inprocess-probe.ts [checkout root, default .] [syncs=1000]
 *
 * The root lets the same probe measure another checkout (a copy of main, for "before").
 * It makes and drops the database cs_probe_inprocess on PROBE_SERVER_URL's server.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import pg from 'pg'

const root = resolve(process.argv[2] ?? '.')
const syncs = Number(process.argv[3] ?? 1000)
const serverUrl = process.env.PROBE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const url = new URL(serverUrl)
url.pathname = '/cs_probe_inprocess'
const { loadConfig } = await import(`${root}/src/config.js`)
const { openDatabase } = await import(`${root}/src/db/open-database.js`)
const { syncServices } = await import(`${root}/src/db/queries/assignments.js`)

async function onServer (query: string) {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(query)
  await admin.end()
}

await onServer('DROP DATABASE IF EXISTS cs_probe_inprocess WITH (FORCE)')
await onServer('CREATE DATABASE cs_probe_inprocess')
const { db } = await openDatabase(loadConfig({ DATABASE_URL: url.toString() }), { migrate: true })
const now = new Date().toISOString()
await db.insertInto('customer_services').values(Array.from({ length: 50 }, (_, i) => ({
  key: `k${i}`, name: `n${i}`, name_folded: `n${i}`, description: null, can_be_enabled: false, customers_count: 0, created_at: now, updated_at: now
}))).execute()
await db.insertInto('customers').values(Array.from({ length: 1000 }, () => ({
  name: 'c', name_folded: 'c', customer_account: null, created_at: now, updated_at: now
}))).execute()
const context = () => ({ userId: null, tokenId: null, reason: null, at: new Date() })
const fiveServices = () => {
  const ids = new Set<number>()
  while (ids.size < 5) ids.add(1 + Math.floor(Math.random() * 50))
  return [...ids]
}
const customer = () => 1 + Math.floor(Math.random() * 1000)
for (let id = 1; id <= 1000; id++) await syncServices(db, id, new Map(fiveServices().map((serviceId) => [serviceId, {}])), context())

const ticks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return Number(fields[11]) + Number(fields[12])
}
const client = new pg.Client({ connectionString: url.toString() })
await client.connect()
const backends = (await client.query<{ pid: number }>("select pid from pg_stat_activity where datname = 'cs_probe_inprocess'")).rows.map((row) => row.pid)

async function measure (name: string, sync: () => Promise<unknown>) {
  const node = process.cpuUsage()
  const before = backends.map(ticks)
  for (let i = 0; i < syncs; i++) await sync()
  const postgresMs = backends.reduce((sum, pid, index) => sum + ticks(pid) - (before[index] as number), 0) * 10 / syncs
  const { user, system } = process.cpuUsage(node)
  console.log(JSON.stringify({ writer: name, syncs, postgresCpuMs: postgresMs, nodeCpuMs: Number(((user + system) / 1000 / syncs).toFixed(3)) }))
}

await measure('service', () => syncServices(db, customer(), new Map(fiveServices().map((serviceId) => [serviceId, {}])), context()))
await measure('naive', async () => {
  const id = customer()
  const wanted = fiveServices()
  await client.query('begin')
  await client.query({ name: 'lock', text: 'select id from customers where id = $1 for update', values: [id] })
  const current = (await client.query({ name: 'set', text: 'select customer_service_id from customer_customer_service where customer_id = $1', values: [id] }))
    .rows.map((row) => row.customer_service_id as number)
  const removed = current.filter((serviceId) => !wanted.includes(serviceId))
  const added = wanted.filter((serviceId) => !current.includes(serviceId))
  if (removed.length > 0) {
    await client.query({ name: 'remove', text: 'delete from customer_customer_service where customer_id = $1 and customer_service_id = any($2::int[])', values: [id, removed] })
  }
  if (added.length > 0) {
    await client.query({ name: 'add', text: 'insert into customer_customer_service (customer_id, customer_service_id, created_at, updated_at) select $1, unnest($2::int[]), now(), now()', values: [id, added] })
  }
  await client.query('commit')
})
await client.end()
await db.destroy()
await onServer('DROP DATABASE IF EXISTS cs_probe_inprocess WITH (FORCE)')
