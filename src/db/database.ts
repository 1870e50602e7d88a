import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type DialectAdapter,
  type PostgresPool,
  type PostgresPoolClient,
  type Driver,
  type SqliteDialectConfig
} from 'kysely'
import type { DatabaseConfig } from '../config.js'
import { startCheckpointer, WAL_RESTART_BYTES, type Checkpointer } from './checkpointer.js'
import { preparedStatementName } from './compiled-once.js'
import type { DialectName } from './dialect.js'
import type { DB } from './tables.js'
import { commitInGroups } from './transaction.js'

/** How the process's database connections are used, for the metrics. */
export interface ConnectionUse {
  /** Connections the process may hold: the pool's size on PostgreSQL, the single handle of SQLite. */
  readonly max: number
  readonly open: number
  /** PostgreSQL: open connections no query holds. SQLite has no pool to be idle in. */
  readonly idle?: number
  /** PostgreSQL: queries waiting for a connection. */
  readonly waiting?: number
}

export interface Database {
  readonly db: Kysely<DB>
  readonly dialect: DialectName
  /**
   * SQLite only: a mark that changes whenever the data may have changed, by this
   * connection or any other. It is read without waiting for Kysely's connection, so
   * it may count the writes of a transaction still open; it never misses one.
   */
  readonly changeMark: (() => string) | null
  readonly connectionUse: () => ConnectionUse
  /** SQLite only: tells `listener` how many writes each commit carried (see `inTransaction`). */
  readonly onCommit: ((listener: (writes: number) => void) => void) | null
}

/** The most writes one SQLite commit carries: reads wait for a whole group. */
export const MAX_WRITES_PER_COMMIT = 32

const POSTGRES_POOL_SIZE = 10
/** DATABASE_TIMEOUT's default: see `postgresTimeoutMs`. */
export const POSTGRES_TIMEOUT_MS = 5000
/**
 * How much longer than the statement timeout a query waits for the server's answer. The server
 * cancels a slow statement itself (and the connection stays usable); no answer at all by then
 * means a silent network or a stuck server, and the connection is thrown away.
 */
export const POSTGRES_READ_GRACE_MS = 1000
/** Idle time after which the pool's sockets send TCP keep-alive probes, so a vanished peer is found. */
const POSTGRES_KEEP_ALIVE_DELAY_MS = 10_000

export interface DatabaseOptions {
  /** How long a SQLite write waits for another process's lock before it fails with SQLITE_BUSY. */
  readonly sqliteBusyTimeoutMs?: number
  /** Told when PostgreSQL drops a connection (a restart, an administrator); the pool replaces it. */
  readonly onConnectionLost?: (error: Error) => void
  /**
   * PostgreSQL: how long a query waits for a connection (to open one, or for one of the pool's
   * to be free) and how long a statement may run, lock waits included; a query that gets no
   * answer `POSTGRES_READ_GRACE_MS` later fails too. Each is then a 503, not a request held
   * for minutes by a server or a network that does not answer.
   */
  readonly postgresTimeoutMs?: number
}

/**
 * Every SQLite transaction here writes, so it takes the write lock when it begins:
 * a deferred transaction that reads and then writes can fail with SQLITE_BUSY when
 * another process wrote in between.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  readonly #checkpointer: Checkpointer | null

  constructor (config: SqliteDialectConfig, checkpointer: Checkpointer | null) {
    super(config)
    this.#checkpointer = checkpointer
  }

  override async beginTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  override async destroy (): Promise<void> {
    await this.#checkpointer?.stop()
    await super.destroy()
  }
}

/**
 * SQLite runs DDL inside transactions, though Kysely's adapter says otherwise and so migrates
 * outside one, without a lock: two processes migrating one file at once both applied the
 * first migration, and one of them failed on "table customers already exists". Said truly,
 * the migrator runs in one immediate transaction: a second process waits for the first to
 * commit, then finds nothing to do.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl (): boolean {
    return true
  }
}

class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #checkpointer: Checkpointer | null

  constructor (config: SqliteDialectConfig, checkpointer: Checkpointer | null) {
    super(config)
    this.#config = config
    this.#checkpointer = checkpointer
  }

  override createDriver (): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config, this.#checkpointer)
  }

  override createAdapter (): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}

/** Kysely prepares every query anew; better-sqlite3 statements can be reused, so keep them. */
function withStatementCache (database: SQLite.Database, capacity = 500) {
  const statements = new Map<string, SQLite.Statement>()
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (statements.size >= capacity) statements.delete(statements.keys().next().value as string)
        statements.set(sql, statement)
      }
      return statement
    }
  }
}

/**
 * Switching a file to the write-ahead log needs it alone for a moment, and SQLite answers
 * SQLITE_BUSY at once, without its busy wait: processes opening one new file together (a
 * server and `npm run migrate`) failed with "database is locked". They retry for as long as
 * they would wait for a lock.
 */
function useWriteAheadLog (database: SQLite.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs
  for (;;) {
    let mode: unknown
    try {
      mode = database.pragma('journal_mode = WAL', { simple: true })
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error
    }
    if (mode === 'wal') return
    if (Date.now() >= deadline) throw new Error(`${database.name}: could not switch to the write-ahead log (another process keeps it locked)`)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
  }
}

function openSqlite (filename: string, busyTimeoutMs: number): SQLite.Database {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true })
  const database = new SQLite(filename)
  database.pragma(`busy_timeout = ${busyTimeoutMs}`)
  if (filename !== ':memory:') useWriteAheadLog(database, busyTimeoutMs)
  database.pragma('foreign_keys = ON')
  database.pragma('synchronous = NORMAL')
  // The log's file is cut back to this size when the log starts again (see checkpointer.ts).
  database.pragma(`journal_size_limit = ${WAL_RESTART_BYTES}`)
  return database
}

/**
 * `total_changes()` counts the rows this connection has written (never going back, even
 * on a rollback); `data_version` changes when another connection, in this process or
 * another, commits. Together they change whenever the data may have. Two plain statements
 * cost half what one select from the `pragma_data_version` table function does.
 */
function sqliteChangeMark (database: SQLite.Database): () => string {
  const localChanges = database.prepare('select total_changes()').pluck()
  const dataVersion = database.prepare('pragma data_version').pluck()
  return () => `${localChanges.get() as number}:${dataVersion.get() as number}`
}

const withoutReadTimeout = new AsyncLocalStorage<true>()

/**
 * Runs `work` on one connection on which statements may take as long as they need: migrations
 * wait for another process's to finish, and may rewrite large tables. Only the process's start
 * and the command line use it, before any request is served.
 */
export async function withoutTimeouts<T> (db: Kysely<any>, work: (connection: Kysely<any>) => Promise<T>): Promise<T> {
  try {
    return await withoutReadTimeout.run(true, async () => await db.connection().execute(async (connection) => {
      await sql`set statement_timeout = 0`.execute(connection)
      try {
        return await work(connection)
      } finally {
        await sql`reset statement_timeout`.execute(connection)
      }
    }))
  } finally {
    // On Node 20, an AsyncLocalStorage once used tracks every promise of the process from then on,
    // slowing each one, until it is disabled again.
    withoutReadTimeout.disable()
  }
}

/** An error the server sent: the connection that carried it is still in a known state. */
const isServerError = (error: unknown) => error instanceof pg.DatabaseError

/**
 * The statements compiled once (`compiledOnce`, `compiledPerShape`) are run again and again:
 * each connection prepares them by name the first time, and then only binds values, sparing
 * PostgreSQL the parse and plan of every call (a feature check's lookup: 283–291 µs a query
 * unnamed, 128–139 µs prepared, on the large data set). PostgreSQL plans them anew when the
 * schema changes. Other SQL runs unnamed.
 *
 * A query that fails without an answer from the server (no answer in time, a lost socket)
 * leaves its connection in an unknown state, its query perhaps still pending: later queries on
 * it (a rollback) fail at once rather than wait behind it, and it is destroyed when released,
 * never handed to another request.
 */
function preparingStatements (pool: pg.Pool, readTimeoutMs: number): PostgresPool {
  // One wrapper per connection, as Kysely keeps its own state per client object.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let broken: Error | undefined
    const send = (sqlOrCursor: unknown, parameters?: readonly unknown[]) => {
      if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as pg.Submittable)
      const name = preparedStatementName(sqlOrCursor)
      const timeout = withoutReadTimeout.getStore() === true ? undefined : readTimeoutMs
      return client.query({ name, text: sqlOrCursor, values: parameters as unknown[], query_timeout: timeout } as pg.QueryConfig)
    }
    const query = async (sqlOrCursor: unknown, parameters?: readonly unknown[]) => {
      if (broken !== undefined) throw new Error(`Query read timeout: an earlier query on this connection failed (${broken.message})`)
      try {
        return await send(sqlOrCursor, parameters)
      } catch (error) {
        if (!isServerError(error)) broken = error as Error
        throw error
      }
    }
    return { query, release: (destroy?: boolean) => client.release(destroy === true || broken !== undefined) } as unknown as PostgresPoolClient
  }
  return {
    connect: async () => {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) wrappers.set(client, wrapper = wrap(client))
      return wrapper
    },
    end: async () => await pool.end()
  }
}

export function createDatabase (config: DatabaseConfig, options: DatabaseOptions = {}): Database {
  if (config.dialect === 'sqlite') {
    const database = openSqlite(config.filename, options.sqliteBusyTimeoutMs ?? 5000)
    const checkpointer = config.filename === ':memory:' ? null : startCheckpointer(database, config.filename)
    const db = new Kysely<DB>({ dialect: new ImmediateTransactionSqliteDialect({ database: withStatementCache(database) }, checkpointer) })
    const listeners: Array<(writes: number) => void> = []
    commitInGroups(db, {
      maxWrites: MAX_WRITES_PER_COMMIT,
      afterCommit: async (writes) => {
        for (const listener of listeners) listener(writes)
        await checkpointer?.afterCommit()
      }
    })
    return {
      db,
      dialect: 'sqlite',
      changeMark: sqliteChangeMark(database),
      connectionUse: () => ({ max: 1, open: database.open ? 1 : 0 }),
      onCommit: (listener) => { listeners.push(listener) }
    }
  }
  const timeoutMs = options.postgresTimeoutMs ?? POSTGRES_TIMEOUT_MS
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: POSTGRES_KEEP_ALIVE_DELAY_MS
  })
  // A client whose connection dies emits 'error', and an unheard 'error' would end the process.
  // The pool discards an idle one (and re-emits the error); a checked-out one fails its query
  // and is discarded when released.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionLost?.(error)))
  return {
    db: new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingStatements(pool, timeoutMs + POSTGRES_READ_GRACE_MS) }) }),
    dialect: 'postgres',
    changeMark: null,
    connectionUse: () => ({ max: POSTGRES_POOL_SIZE, open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    onCommit: null
  }
}
