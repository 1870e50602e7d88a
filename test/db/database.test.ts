import { existsSync, statSync } from 'node:fs'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { parseDatabaseUrl } from '../../src/config.js'
import { createServer, type Socket } from 'node:net'
import { WAL_LIMIT_BYTES, WAL_RESTART_BYTES } from '../../src/db/checkpointer.js'
import { createDatabase, POSTGRES_TIMEOUT_MS, withoutTimeouts } from '../../src/db/database.js'
import { isUnavailable } from '../../src/db/errors.js'
import type { DB } from '../../src/db/tables.js'
import { inTransaction } from '../../src/db/transaction.js'
import { freshPostgresUrl, testDialects } from '../helpers/app.js'
import { eventually } from '../helpers/server-process.js'

t.test('postgres: connections the server drops are reported and replaced, and never end the process', {
  skip: !testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)'
}, async (t) => {
  const url = await freshPostgresUrl(t)
  const lost: Error[] = []
  const { db } = createDatabase(parseDatabaseUrl(url), { onConnectionLost: (error) => lost.push(error) })
  t.teardown(() => db.destroy())
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(() => admin.end())
  const terminate = (pid: number) => admin.query('select pg_terminate_backend($1)', [pid])
  const backendPid = async (executor: Kysely<DB>) =>
    (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(executor)).rows[0]?.pid as number

  // An unheard 'error' from a client in use would end this process, failing the test.
  await db.connection().execute(async (connection) => {
    await terminate(await backendPid(connection))
    await eventually('the lost connection is reported', () => lost.length > 0)
    const failure = await sql`select 1`.execute(connection).then(() => undefined, (error: unknown) => error)
    t.ok(isUnavailable(failure), `a query on the lost connection fails as unavailable: ${(failure as Error).message}`)
  })

  const idle = await backendPid(db)
  const reported = lost.length
  await terminate(idle)
  await eventually('the lost idle connection is reported', () => lost.length > reported)
  t.not(await backendPid(db), idle, 'the pool opened a new connection')
  t.match(lost[0]?.message, /terminating connection due to administrator command/)
})

t.test('sqlite: the serving connection never checkpoints; the log file stays under its limit however much is written', async (t) => {
  const file = `${t.testdir()}/checkpoint.sqlite`
  const { db } = createDatabase({ dialect: 'sqlite', filename: file })
  t.teardown(() => db.destroy())
  const pragma = async (name: string) => Object.values((await sql.raw<Record<string, number>>(`pragma ${name}`).execute(db)).rows[0] ?? {})[0]
  t.equal(await pragma('wal_autocheckpoint'), 0, 'no commit runs a checkpoint')
  t.equal(await pragma('journal_size_limit'), WAL_RESTART_BYTES)

  await sql`create table filler (body blob)`.execute(db)
  const logBytes = () => statSync(`${file}-wal`).size
  const writeBytes = 256 * 1024
  let largest = 0
  for (let written = 0; written < 3 * WAL_LIMIT_BYTES; written += writeBytes) {
    await inTransaction(db, async (trx) => { await sql`insert into filler values (randomblob(${writeBytes}))`.execute(trx) })
    largest = Math.max(largest, logBytes())
  }
  // One write's pages, each with its frame header, may land past the limit before the next write waits.
  t.ok(largest <= WAL_LIMIT_BYTES + 2 * writeBytes, `the log file reached ${largest} bytes, limit ${WAL_LIMIT_BYTES}`)
  t.ok(statSync(file).size >= 2 * WAL_LIMIT_BYTES, 'what was written is in the database file')
  t.equal(await pragma('wal_autocheckpoint'), 0, 'the checkpointer is still alive')
})

t.test('sqlite: closing stops the checkpointer, and the last connection closed removes the log', async (t) => {
  const file = `${t.testdir()}/close.sqlite`
  const { db } = createDatabase({ dialect: 'sqlite', filename: file })
  await sql`create table filler (body blob)`.execute(db)
  await inTransaction(db, async (trx) => { await sql`insert into filler values (randomblob(4096))`.execute(trx) })
  await db.destroy()
  t.notOk(existsSync(`${file}-wal`), 'no log is left behind')
  const reopened = createDatabase({ dialect: 'sqlite', filename: file })
  t.teardown(() => reopened.db.destroy())
  t.same((await sql<{ n: number }>`select count(*) as n from filler`.execute(reopened.db)).rows, [{ n: 1 }])
})

t.test('postgres: a server that accepts and never answers fails the query as unavailable, after the connect timeout', async (t) => {
  const sockets: Socket[] = []
  const silent = createServer((socket) => { sockets.push(socket) })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })
  const { port } = silent.address() as { port: number }
  const { db } = createDatabase({ dialect: 'postgres', connectionString: `postgres://postgres@127.0.0.1:${port}/test` })
  t.teardown(() => db.destroy())
  const started = Date.now()
  const failure = await sql`select 1`.execute(db).then(() => undefined, (error: unknown) => error)
  const waited = Date.now() - started
  t.ok(isUnavailable(failure), `unavailable: ${(failure as Error | undefined)?.message}`)
  t.ok(waited >= POSTGRES_TIMEOUT_MS - 100, `it waited for the timeout (${waited} ms)`)
  t.ok(sockets.length > 0, 'the connection was made, and never answered')
})

t.test('postgres: statements past the timeout are cancelled as unavailable, except under withoutTimeouts (migrations)', {
  skip: !testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)'
}, async (t) => {
  const { db } = createDatabase(parseDatabaseUrl(await freshPostgresUrl(t)), { postgresTimeoutMs: 200 })
  t.teardown(() => db.destroy())
  const slow = (executor: Kysely<any>) => sql`select pg_sleep(0.6)`.execute(executor)
  const cancelled = await slow(db).then(() => undefined, (error: unknown) => error)
  t.equal((cancelled as { code?: string }).code, '57014')
  t.ok(isUnavailable(cancelled))
  await withoutTimeouts(db, async (connection) => { await slow(connection) })
  t.pass('a migration may take as long as it needs')
  const after = await slow(db).then(() => undefined, (error: unknown) => error)
  t.equal((after as { code?: string }).code, '57014', 'and the connection it used is bounded again')
})
