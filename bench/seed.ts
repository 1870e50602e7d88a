import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { createDatabase, type Database } from '../src/db/database.js'
import { createMigrator, migrateToLatest, migrationNames } from '../src/db/migrator.js'
import { createUser } from '../src/db/queries/users.js'
import { projectRoot } from '../src/project-root.js'
import { hashPassword } from '../src/security/passwords.js'
import { customerName, servicesOfCustomer, timestampAt, type Dataset } from './datasets.js'

export const benchUser = { name: 'Bench', email: 'bench@example.com', password: 'bench-password-42' } as const

export interface SeededDatabase {
  /** What the service is given as DATABASE_URL. */
  readonly databaseUrl: string
  /** Milliseconds the seeding took (when the file came from the cache: when it was made). */
  readonly seedMs: number
  readonly cached: boolean
  /** Drops what the run created (a PostgreSQL database). */
  readonly dispose: () => Promise<void>
}

type PgType = 'int' | 'text' | 'boolean' | 'timestamptz'
type Value = number | string | boolean | null

interface TableSpec {
  readonly name: string
  readonly columns: ReadonlyArray<readonly [string, PgType]>
  readonly rows: (dataset: Dataset) => Iterable<Value[]>
}

const servicesTable: TableSpec = {
  name: 'customer_services',
  columns: [['id', 'int'], ['key', 'text'], ['name', 'text'], ['name_folded', 'text'], ['description', 'text'],
    ['can_be_enabled', 'boolean'], ['customers_count', 'int'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']],
  * rows (dataset) {
    for (const service of dataset.services) {
      yield [service.id, service.key, service.name, service.name.toLowerCase(), service.description, service.canBeEnabled,
        dataset.counts[service.id] as number, service.createdAt, service.createdAt]
    }
  }
}

const customersTable: TableSpec = {
  name: 'customers',
  columns: [['id', 'int'], ['name', 'text'], ['name_folded', 'text'], ['customer_account', 'text'],
    ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']],
  * rows (dataset) {
    for (let id = 1; id <= dataset.customerCount; id++) {
      const name = customerName(id)
      const createdAt = timestampAt(id)
      yield [id, name, name.toLowerCase(), `CL${String(id).padStart(6, '0')}`, createdAt, createdAt]
    }
  }
}

const pivotTable: TableSpec = {
  name: 'customer_customer_service',
  columns: [['customer_id', 'int'], ['customer_service_id', 'int'], ['version', 'text'],
    ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']],
  * rows (dataset) {
    for (let customer = 1; customer <= dataset.customerCount; customer++) {
      const assignedAt = timestampAt(customer + 60)
      for (const serviceId of servicesOfCustomer(dataset, customer)) {
        yield [customer, serviceId, serviceId % 7 === 0 ? '1.1.0' : null, assignedAt, assignedAt]
      }
    }
  }
}

const tables = [servicesTable, customersTable, pivotTable]

/** Every service's customers_count equals its pivot rows: the service's contract, checked once. */
const countMismatchSql = `SELECT count(*) AS mismatches FROM customer_services s
  WHERE s.customers_count <> (SELECT count(*) FROM customer_customer_service p WHERE p.customer_service_id = s.id)`

type DatabaseConfig = { dialect: 'sqlite', filename: string } | { dialect: 'postgres', connectionString: string }

async function withDatabase (config: DatabaseConfig, work: (database: Database) => Promise<void>) {
  const database = createDatabase(config)
  try {
    await work(database)
  } finally {
    await database.db.destroy()
  }
}

/**
 * The rows are written against the first migration's schema, which never changes; the
 * project's own migrator then applies the later ones to the filled tables, as it would
 * to a production database, so whatever state they derive from the rows is right.
 */
async function migrateToInitial (config: DatabaseConfig) {
  await withDatabase(config, async ({ db, dialect }) => {
    const [first] = await migrationNames(dialect)
    if (first === undefined) throw new Error(`no ${dialect} migrations`)
    const { error } = await createMigrator(db, dialect).migrateTo(first.replace(/\.sql$/, ''))
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error))
  })
}

/** The remaining migrations, and the API user, by the project's own query. */
async function migrateToLatestWithUser (config: DatabaseConfig) {
  await withDatabase(config, async ({ db, dialect }) => {
    await migrateToLatest(db, dialect)
    await createUser(db, { name: benchUser.name, email: benchUser.email, passwordHash: await hashPassword(benchUser.password) })
  })
}

function insertSqlite (db: SQLite.Database, table: TableSpec, dataset: Dataset, rowsPerStatement = 500) {
  const placeholders = `(${table.columns.map(() => '?').join(', ')})`
  const statementFor = (count: number) => db.prepare(
    `INSERT INTO ${table.name} (${table.columns.map(([name]) => name).join(', ')}) VALUES ${Array(count).fill(placeholders).join(', ')}`)
  const full = statementFor(rowsPerStatement)
  let params: Value[] = []
  let pending = 0
  for (const row of table.rows(dataset)) {
    for (const value of row) params.push(typeof value === 'boolean' ? Number(value) : value)
    if (++pending === rowsPerStatement) {
      full.run(params)
      params = []
      pending = 0
    }
  }
  if (pending > 0) statementFor(pending).run(params)
}

function withSqlite (filename: string, work: (db: SQLite.Database) => void) {
  const db = new SQLite(filename)
  try {
    work(db)
  } finally {
    db.close()
  }
}

async function seedSqliteFile (filename: string, dataset: Dataset): Promise<void> {
  const config = { dialect: 'sqlite', filename } as const
  await migrateToInitial(config)
  withSqlite(filename, (db) => {
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    db.pragma('foreign_keys = OFF')
    db.pragma('cache_size = -262144')
    db.transaction(() => {
      for (const table of tables) insertSqlite(db, table, dataset)
    })()
  })
  await migrateToLatestWithUser(config)
  withSqlite(filename, (db) => {
    const { mismatches } = db.prepare(countMismatchSql).get() as { mismatches: number }
    if (mismatches !== 0) throw new Error(`${mismatches} services have a wrong customers_count`)
    // One self-contained file to cache and copy; the service turns WAL back on.
    db.pragma('journal_mode = DELETE')
  })
}

/** The cache key: the migrations, and the code that generates and writes the rows. */
function seedHash (): string {
  const folder = new URL('migrations/sqlite/', projectRoot)
  const hash = createHash('sha256')
  for (const file of readdirSync(folder).sort()) hash.update(file).update(readFileSync(new URL(file, folder)))
  for (const file of ['datasets.ts', 'seed.ts']) hash.update(readFileSync(new URL(file, import.meta.url)))
  return hash.digest('hex').slice(0, 12)
}

function removeSqlite (path: string) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
}

/**
 * A working copy of the seeded file, seeded once per data set and migrations and then
 * kept under bench/.data/: the runs write to it (syncs, logins), the cache stays as seeded.
 */
export async function seedSqlite (dataset: Dataset, dataDir: URL): Promise<SeededDatabase> {
  mkdirSync(dataDir, { recursive: true })
  const stem = fileURLToPath(new URL(`sqlite-${dataset.spec.name}-${seedHash()}`, dataDir))
  const cacheFile = `${stem}.sqlite`
  const metaFile = `${stem}.json`
  const cached = existsSync(cacheFile) && existsSync(metaFile)
  let seedMs: number
  if (cached) {
    seedMs = (JSON.parse(readFileSync(metaFile, 'utf8')) as { seedMs: number }).seedMs
  } else {
    const partial = `${stem}.partial.sqlite`
    removeSqlite(partial)
    const started = performance.now()
    await seedSqliteFile(partial, dataset)
    seedMs = performance.now() - started
    for (const file of readdirSync(dataDir)) {
      // Files of older migrations: they would only pile up.
      if (file.startsWith(`sqlite-${dataset.spec.name}-`) && !file.startsWith(basename(stem))) rmSync(new URL(file, dataDir))
    }
    renameSync(partial, cacheFile)
    writeFileSync(metaFile, JSON.stringify({ seedMs, date: new Date().toISOString() }) + '\n')
  }
  const workFile = fileURLToPath(new URL(`run-${dataset.spec.name}.sqlite`, dataDir))
  removeSqlite(workFile)
  copyFileSync(cacheFile, workFile)
  return { databaseUrl: workFile, seedMs, cached, dispose: async () => removeSqlite(workFile) }
}

async function insertPostgres (client: pg.Client, table: TableSpec, dataset: Dataset, rowsPerStatement = 100_000) {
  const names = table.columns.map(([name]) => name).join(', ')
  const arrays = table.columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')
  const text = `INSERT INTO ${table.name} (${names}) SELECT * FROM unnest(${arrays})`
  let columns: Value[][] = table.columns.map(() => [])
  let pending = 0
  const flush = async () => {
    await client.query(text, columns)
    columns = table.columns.map(() => [])
    pending = 0
  }
  for (const row of table.rows(dataset)) {
    row.forEach((value, index) => (columns[index] as Value[]).push(value))
    if (++pending === rowsPerStatement) await flush()
  }
  if (pending > 0) await flush()
}

async function withClient<T> (connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** `postgres://…/test` → `postgres://…/cs_bench_small`, on the same server. */
function databaseUrl (serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.href
}

async function dropDatabase (serverUrl: string, name: string) {
  await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
}

/** A fresh database on the server `serverUrl` names, seeded; dropped by `dispose`. */
export async function seedPostgres (dataset: Dataset, serverUrl: string): Promise<SeededDatabase> {
  const name = `cs_bench_${dataset.spec.name}`
  const url = databaseUrl(serverUrl, name)
  await dropDatabase(serverUrl, name)
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`))
  const config = { dialect: 'postgres', connectionString: url } as const
  const started = performance.now()
  await migrateToInitial(config)
  await withClient(url, async (client) => {
    await client.query('BEGIN')
    for (const table of tables) await insertPostgres(client, table, dataset)
    for (const table of ['customers', 'customer_services']) {
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`)
    }
    await client.query('COMMIT')
  })
  await migrateToLatestWithUser(config)
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ mismatches: string }>(countMismatchSql)
    if (Number(rows[0]?.mismatches) !== 0) throw new Error(`${rows[0]?.mismatches} services have a wrong customers_count`)
    // What autovacuum would have done by the time a real database is this big.
    await client.query('VACUUM ANALYZE')
  })
  const seedMs = performance.now() - started
  return { databaseUrl: url, seedMs, cached: false, dispose: () => dropDatabase(serverUrl, name) }
}
