import { join } from 'node:path'
import t from 'tap'
import { freePort, spawnServer, startServer } from '../helpers/server-process.js'

t.test('an invalid setting stops the process with one line and exit code 1', async (t) => {
  const cases: Array<[NodeJS.ProcessEnv, string]> = [
    [{ PORT: 'eighty' }, 'customer-services: PORT must be a whole number from 1 to 65535, got "eighty"\n'],
    [{ PORT: '70000' }, 'customer-services: PORT must be a whole number from 1 to 65535, got "70000"\n'],
    [{ LOG_LEVEL: 'loud' }, 'customer-services: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n'],
    [{ DATABASE_URL: 'postgres://' }, 'customer-services: DATABASE_URL is not a valid PostgreSQL URL: "postgres://"\n']
  ]
  for (const [env, message] of cases) {
    const { code, stderr } = await spawnServer(env).exited
    t.equal(code, 1, JSON.stringify(env))
    t.equal(stderr, message)
  }
})

t.test('a database that cannot be opened stops the process with one line', async (t) => {
  const { code, stderr } = await spawnServer({ DATABASE_URL: '/etc/hostname/db.sqlite', PORT: String(await freePort()) }).exited
  t.equal(code, 1)
  t.match(stderr, /^customer-services: cannot open the database: .+\n$/)
  const unreachable = await spawnServer({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: String(await freePort()) }).exited
  t.equal(unreachable.code, 1)
  t.match(unreachable.stderr, /^customer-services: cannot migrate the database: .+\n$/)
})

t.test('the process migrates a new SQLite file, serves, and exits 0 on SIGTERM', async (t) => {
  const file = join(t.testdir(), 'nested', 'service.sqlite')
  const { child, exited, url } = await startServer(t, { DATABASE_URL: `file:${file}` })
  const listed = await fetch(`${url}/api/v1/customers`)
  t.equal(listed.status, 401, 'the schema is in place and auth is on')
  child.kill('SIGTERM')
  const { code } = await exited
  t.equal(code, 0)

  const { default: SQLite } = await import('better-sqlite3')
  const database = new SQLite(file, { readonly: true })
  t.teardown(() => database.close())
  t.equal(database.pragma('journal_mode', { simple: true }), 'wal')
  t.ok(database.prepare("select name from sqlite_master where name = 'customer_customer_service'").get())
})
