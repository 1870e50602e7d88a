import { pathToFileURL } from 'node:url'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely'
import pg from 'pg'
import type { DB } from '../src/db/tables.js'
import { datasetSpecs, generateDataset, mostAssignedService, servicesOfCustomer, type Dataset, type DatasetName } from './datasets.js'
import * as assignments from '../src/db/queries/assignments.js'
import * as services from '../src/db/queries/customer-services.js'
import * as customers from '../src/db/queries/customers.js'
import * as tokens from '../src/db/queries/tokens.js'
import { seedPostgres, seedSqlite } from './seed.js'

export interface PlanEntry {
  readonly name: string
  readonly sql: string
  readonly parameters: readonly unknown[]
  readonly plan: string[]
}

interface Captured { sql: string, parameters: readonly unknown[] }

const byName = [{ field: 'name', direction: 'asc' }, { field: 'id', direction: 'asc' }] as const
const byId = [{ field: 'id', direction: 'asc' }] as const

/**
 * Runs the service's own query functions once each against the data set,
 * capturing the SQL they send, so the plans are those of the real statements.
 */
async function captureQueries (db: Kysely<DB>, log: Captured[], dataset: Dataset) {
  const customerId = Math.ceil(dataset.customerCount / 2)
  const key = (dataset.services[(servicesOfCustomer(dataset, customerId)[0] as number) - 1] as { key: string }).key
  const popular = mostAssignedService(dataset)
  const queries: Array<[string, () => Promise<unknown>]> = [
    ['token check', () => tokens.findTokenOwner(db, 'f'.repeat(64))],
    ['catalog page 1 by name', () => services.listCustomerServices(db, { filters: [], sorts: byName, page: 1, perPage: 10 })],
    ['catalog filtered, page 2', () => services.listCustomerServices(db, { filters: [{ field: 'name', values: ['service 0'] }], sorts: byId, page: 2, perPage: 10 })],
    ['service by id (route binding, show)', () => services.findCustomerService(db, dataset.rareServiceId)],
    ['customers of the rare service, first chunk of the show', () => customers.customersOfServiceInChunks(db, dataset.rareServiceId, 1000).next()],
    ['customers of the most assigned service, first chunk of the show', () => customers.customersOfServiceInChunks(db, popular, 1000).next()],
    ['customers of the most assigned service, page 2', () => customers.listCustomersOfService(db, popular, { filters: [], sorts: byId, page: 2, perPage: 10 })],
    ['customer by id (route binding)', () => customers.findCustomer(db, customerId)],
    ['services of a customer', () => assignments.listServicesOfCustomer(db, customerId, { filters: [], sorts: byId, page: 1, perPage: 10 })],
    ['feature-flag check', () => assignments.findAssignedService(db, customerId, key)],
    ['customer list, page 50', () => customers.listCustomers(db, { filters: [], sorts: byId, page: 50, perPage: 10 })]
  ]
  const named: Array<{ name: string } & Captured> = []
  for (const [name, run] of queries) {
    const before = log.length
    await run()
    for (const query of log.slice(before)) named.push({ name, ...query })
  }
  return named
}

function logInto (log: Captured[]) {
  return (event: LogEvent) => {
    if (event.level === 'query') log.push({ sql: event.query.sql, parameters: event.query.parameters })
  }
}

export async function sqlitePlans (filename: string, dataset: Dataset): Promise<PlanEntry[]> {
  const database = new SQLite(filename)
  const log: Captured[] = []
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database }), log: logInto(log) })
  try {
    return (await captureQueries(db, log, dataset)).map(({ name, sql, parameters }) => {
      const rows = database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ id: number, parent: number, detail: string }>
      const depth = new Map<number, number>([[0, -1]])
      const plan = rows.map((row) => {
        const level = (depth.get(row.parent) ?? -1) + 1
        depth.set(row.id, level)
        return `${'  '.repeat(level)}${row.detail}`
      })
      return { name, sql, parameters, plan }
    })
  } finally {
    await db.destroy()
  }
}

export async function postgresPlans (connectionString: string, dataset: Dataset): Promise<PlanEntry[]> {
  const pool = new pg.Pool({ connectionString, max: 1 })
  const log: Captured[] = []
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: logInto(log) })
  try {
    const entries: PlanEntry[] = []
    for (const { name, sql, parameters } of await captureQueries(db, log, dataset)) {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, [...parameters])
      entries.push({ name, sql, parameters, plan: rows.map((row) => row['QUERY PLAN']) })
    }
    return entries
  } finally {
    await db.destroy()
  }
}

export function formatPlans (title: string, entries: PlanEntry[]): string {
  const lines = [`### Query plans: ${title}`, '']
  for (const entry of entries) {
    lines.push(`- ${entry.name}: \`${entry.sql}\` ${JSON.stringify(entry.parameters)}`, '  ```', ...entry.plan.map((line) => `  ${line}`), '  ```')
  }
  return lines.join('\n')
}

/** `tsx bench/plans.ts [small|large]` after `npm run build`: the plans without the load. */
async function main () {
  const name = (process.argv[2] ?? 'large') as DatasetName
  const spec = datasetSpecs[name]
  if (spec === undefined) throw new Error(`unknown data set ${name}`)
  const dataset = generateDataset(spec)
  const sqlite = await seedSqlite(dataset, new URL('.data/', import.meta.url))
  try {
    process.stdout.write(formatPlans(`${name}, sqlite`, await sqlitePlans(sqlite.databaseUrl, dataset)) + '\n\n')
  } finally {
    await sqlite.dispose()
  }
  const serverUrl = process.env.BENCH_DATABASE_URL
  if (serverUrl !== undefined && serverUrl !== '') {
    const postgres = await seedPostgres(dataset, serverUrl)
    try {
      process.stdout.write(formatPlans(`${name}, postgres`, await postgresPlans(postgres.databaseUrl, dataset)) + '\n')
    } finally {
      await postgres.dispose()
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 1
  })
}
