import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { isTransient, isUnavailable } from '../../src/db/errors.js'

function thrownBy (work: () => unknown): unknown {
  try {
    work()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

t.test('a PostgreSQL server that cannot be reached, or is going away, is unavailable', async (t) => {
  const client = new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none' })
  const refused = await client.connect().then(() => undefined, (error: unknown) => error)
  t.equal((refused as { code?: string }).code, 'ECONNREFUSED')
  t.ok(isUnavailable(refused), 'connection refused')
  for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300']) {
    t.ok(isUnavailable(Object.assign(new Error('server message'), { code })), code)
  }
  for (const message of ['Connection terminated unexpectedly', 'Connection terminated', 'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable']) {
    t.ok(isUnavailable(new Error(message)), message)
  }
})

t.test('a SQLite database another process keeps locked is unavailable, and worth retrying', async (t) => {
  const file = join(t.testdir(), 'locked.sqlite')
  const holder = new SQLite(file)
  const waiter = new SQLite(file, { timeout: 0 })
  t.teardown(() => { holder.close(); waiter.close() })
  holder.exec('begin immediate')
  const busy = thrownBy(() => waiter.exec('begin immediate'))
  t.equal((busy as { code?: string }).code, 'SQLITE_BUSY')
  t.ok(isUnavailable(busy))
  t.ok(isTransient(busy))
})

t.test('what a request got wrong, or a bug, is not unavailability', async (t) => {
  const cases: unknown[] = [
    Object.assign(new Error('duplicate key'), { code: '23505' }),
    Object.assign(new Error('syntax error'), { code: '42601' }),
    Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    new Error('Server Error'),
    new TypeError('x is undefined'),
    null,
    'a string'
  ]
  for (const error of cases) t.notOk(isUnavailable(error), String((error as Error | null)?.message ?? error))
})
