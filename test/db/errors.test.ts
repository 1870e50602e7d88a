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
    'Client has encountered a connection error and is not queryable', 'Query read timeout']) {
    t.ok(isUnavailable(new Error(message)), message)
  }
})

t.test('PostgreSQL errors are unavailable by SQLSTATE class: connection exception, insufficient resources, operator intervention, and a database closed to connections', async (t) => {
  const byClass = {
    'connection exception (08)': ['08000', '08003', '08006', '08001', '08004', '08P01'],
    'insufficient resources (53)': ['53000', '53100', '53200', '53300', '53400'],
    'operator intervention (57)': ['57000', '57014', '57P01', '57P02', '57P03', '57P04', '57P05'],
    'not accepting connections (55000)': ['55000']
  }
  for (const [name, codes] of Object.entries(byClass)) {
    for (const code of codes) t.ok(isUnavailable(Object.assign(new Error('server message'), { code })), `${name}: ${code}`)
  }
})

t.test('PostgreSQL errors of other classes stay what they are', async (t) => {
  const codes = ['23505', '23503', '22P02', '22001', '42601', '42P01', '42703', '40P01', '40001', '55P03', '55006', '25P02', 'XX000', '0800', '080000', '5300']
  for (const code of codes) t.notOk(isUnavailable(Object.assign(new Error('server message'), { code })), code)
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
