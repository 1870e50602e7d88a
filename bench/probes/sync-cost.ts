/*
 * How much a sync costs: statements per sync (in process, counted at the drivers) and CPU per
 * sync (the built server over HTTP, plus the PostgreSQL backends serving its database).
 *
 *   npm run build && npx tsx scripts/sync-probe.ts sqlite|postgres [syncs=3000] [concurrency=8]
 *
 * PostgreSQL: PROBE_SERVER_URL (default postgres://postgres@127.0.0.1:5432/test) names the
 * server; the probe makes and drops its own database, cs_probe_writes.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/open-database.js'
import { createUser } from '../../src/db/queries/users.js'
import { syncServices } from '../../src/db/queries/assignments.js'
import { hashPassword } from '../../src/security/passwords.js'
import { cpuTicks } from '../cpu.js'

const dialect = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite'
const syncs = Number(process.argv[3] ?? 3000)
const concurrency = Number(process.argv[4] ?? 8)
const CUSTOMERS = 1000
const SERVICES = 50
const PER_CUSTOMER = 5
const PORT = 3917
const serverUrl = process.env.PROBE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const user = { name: 'Probe', email: 'probe@example.com', password: 'probe-password-42' }

let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}
const below = (n: number) => Math.floor(random() * n)
const fiveServices = () => {
  const ids = new Set<number>()
  while (ids.size < PER_CUSTOMER) ids.add(1 + below(SERVICES))
  return [...ids]
}

async function prepareDatabase (): Promise<{ url: string, dispose: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sync-probe-'))
    return { url: join(dir, 'probe.db'), dispose: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS cs_probe_writes WITH (FORCE)')
  await admin.query('CREATE DATABASE cs_probe_writes')
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = '/cs_probe_writes'
  return {
    url: url.toString(),
    dispose: async () => {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      await client.query('DROP DATABASE IF EXISTS cs_probe_writes WITH (FORCE)')
      await client.end()
    }
  }
}

/** Counts statements at the drivers, for the in-process part. */
function countStatements (): () => number {
  let count = 0
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const query = client.query
  client.query = function (this: unknown, ...args: unknown[]) {
    count++
    return query.apply(this, args)
  }
  const statement = Object.getPrototypeOf(new SQLite(':memory:').prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>
  for (const method of ['all', 'run', 'get', 'iterate']) {
    const original = statement[method] as (...args: unknown[]) => unknown
    statement[method] = function (this: unknown, ...args: unknown[]) {
      count++
      return original.apply(this, args)
    }
  }
  return () => count
}

async function seedAndCount (url: string): Promise<number> {
  const statements = countStatements()
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'production' })
  const database = await openDatabase(config, { migrate: true })
  const { db } = database
  const now = new Date().toISOString()
  await db.insertInto('customer_services').values(Array.from({ length: SERVICES }, (_, i) => ({
    key: `svc-${i + 1}`, name: `Service ${i + 1}`, name_folded: `service ${i + 1}`, description: null, can_be_enabled: (dialect === 'postgres' ? false : 0) as never, customers_count: 0, created_at: now, updated_at: now
  }))).execute()
  await db.insertInto('customers').values(Array.from({ length: CUSTOMERS }, (_, i) => ({
    name: `Customer ${i + 1}`, name_folded: `customer ${i + 1}`, customer_account: null, created_at: now, updated_at: now
  }))).execute()
  await db.updateTable('row_counts').set({ row_count: CUSTOMERS }).where('table_name', '=', 'customers').execute()
  await db.updateTable('row_counts').set({ row_count: SERVICES }).where('table_name', '=', 'customer_services').execute()
  await createUser(db, { name: user.name, email: user.email, passwordHash: await hashPassword(user.password) })
  const context = () => ({ userId: null, tokenId: null, reason: null, at: new Date() })
  for (let id = 1; id <= CUSTOMERS; id++) {
    await syncServices(db, id, new Map(fiveServices().map((serviceId) => [serviceId, {}])), context())
  }
  const counted = 200
  const before = statements()
  for (let i = 0; i < counted; i++) {
    await syncServices(db, 1 + below(CUSTOMERS), new Map(fiveServices().map((serviceId) => [serviceId, {}])), context())
  }
  const perSync = (statements() - before) / counted
  await db.destroy()
  return perSync
}

async function backendPids (url: string): Promise<number[]> {
  if (dialect !== 'postgres') return []
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const { rows } = await client.query<{ pid: number }>("select pid from pg_stat_activity where datname = 'cs_probe_writes' and pid <> pg_backend_pid()")
  await client.end()
  return rows.map((row) => row.pid)
}

async function request (path: string, init: RequestInit): Promise<Response> {
  return await fetch(`http://127.0.0.1:${PORT}${path}`, init)
}

async function runLoad (url: string) {
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: url, PORT: String(PORT), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '100000000', LOGIN_RATE_LIMIT_PER_MINUTE: '1000000' },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await request('/health/ready', {})).ok) break
      } catch {}
      if (i > 200) throw new Error('server did not start')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const login = await request('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
    const { token } = await login.json() as { token: string }
    const sync = async () => {
      const response = await request(`/api/v1/customers/${1 + below(CUSTOMERS)}/services`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ services: fiveServices() })
      })
      await response.arrayBuffer()
      if (response.status !== 200 && response.status !== 201) throw new Error(`sync answered ${response.status}`)
    }
    const run = async (count: number) => {
      let next = 0
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < count) await sync()
      }))
    }
    await run(500)
    const pids = [child.pid as number, ...await backendPids(url)]
    const before = pids.map(cpuTicks)
    const started = performance.now()
    await run(syncs)
    const seconds = (performance.now() - started) / 1000
    const ticks = pids.map((pid, index) => cpuTicks(pid) - (before[index] as number))
    const serverMs = (ticks[0] as number) * 10 / syncs
    const databaseMs = ticks.slice(1).reduce((sum, value) => sum + value, 0) * 10 / syncs
    return { rate: syncs / seconds, serverMs, databaseMs, backends: pids.length - 1 }
  } finally {
    child.kill('SIGTERM')
  }
}

const { url, dispose } = await prepareDatabase()
try {
  const statementsPerSync = await seedAndCount(url)
  const load = await runLoad(url)
  console.log(JSON.stringify({
    dialect,
    syncs,
    concurrency,
    statementsPerSync,
    syncsPerSecond: Math.round(load.rate),
    cpuMsPerSync: Number((load.serverMs + load.databaseMs).toFixed(3)),
    serverCpuMs: Number(load.serverMs.toFixed(3)),
    postgresCpuMs: Number(load.databaseMs.toFixed(3)),
    backends: load.backends
  }))
} finally {
  await dispose()
}
