import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { isUnavailable } from '../../src/db/errors.js'
import type { DB } from '../../src/db/tables.js'
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
