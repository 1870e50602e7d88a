import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import t from 'tap'

const entry = new URL('../src/server.ts', import.meta.url).pathname

function startServer (env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [...process.execArgv, entry], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }))
  return { child, exited }
}

async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/** Polls for a minute: on a loaded machine, loading the service alone can take more than ten seconds. */
async function waitForReady (port: number): Promise<Response> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    try {
      return await fetch(`http://127.0.0.1:${port}/health/ready`)
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error('the server never answered')
}

t.test('an invalid setting stops the process with one line and exit code 1', async (t) => {
  const cases: Array<[NodeJS.ProcessEnv, string]> = [
    [{ PORT: 'eighty' }, 'customer-services: PORT must be a whole number from 1 to 65535, got "eighty"\n'],
    [{ PORT: '70000' }, 'customer-services: PORT must be a whole number from 1 to 65535, got "70000"\n'],
    [{ LOG_LEVEL: 'loud' }, 'customer-services: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n'],
    [{ DATABASE_URL: 'postgres://' }, 'customer-services: DATABASE_URL is not a valid PostgreSQL URL: "postgres://"\n']
  ]
  for (const [env, message] of cases) {
    const { code, stderr } = await startServer(env).exited
    t.equal(code, 1, JSON.stringify(env))
    t.equal(stderr, message)
  }
})

t.test('a database that cannot be opened stops the process with one line', async (t) => {
  const { code, stderr } = await startServer({ DATABASE_URL: '/etc/hostname/db.sqlite', PORT: String(await freePort()) }).exited
  t.equal(code, 1)
  t.match(stderr, /^customer-services: cannot open the database: .+\n$/)
  const unreachable = await startServer({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: String(await freePort()) }).exited
  t.equal(unreachable.code, 1)
  t.match(unreachable.stderr, /^customer-services: cannot migrate the database: .+\n$/)
})

t.test('the process migrates a new SQLite file, serves, and exits 0 on SIGTERM', async (t) => {
  const port = await freePort()
  const file = join(t.testdir(), 'nested', 'service.sqlite')
  const { child, exited } = startServer({ DATABASE_URL: `file:${file}`, PORT: String(port), HOST: '127.0.0.1' })
  // Not left running if the test fails before its SIGTERM.
  t.teardown(() => { child.kill('SIGKILL') })
  const ready = await waitForReady(port)
  t.equal(ready.status, 200)
  const listed = await fetch(`http://127.0.0.1:${port}/api/v1/customers`)
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
