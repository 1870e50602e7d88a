import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/open-database.js'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { databaseUrlFor, testDialects } from '../helpers/app.js'
import { freePort } from '../helpers/server-process.js'

/** Two replicas of the service, as real processes on one database: what they share, and what they log. */

const entry = new URL('../../src/server.ts', import.meta.url).pathname
const redisUrl = process.env.TEST_REDIS_URL
const password = 'Replica-secret-passw0rd'
const TOKEN_CACHE_TTL_SECONDS = 1

interface Replica {
  origin: string
  /** Everything the process wrote, standard output and error. */
  output: () => string
  stop: () => Promise<void>
}

/** Starts the service on a free port, logging everything, and waits for the log line that says it listens. */
async function startReplica (env: NodeJS.ProcessEnv): Promise<Replica> {
  const child = spawn(process.execPath, [...process.execArgv, entry], {
    env: { ...process.env, PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'trace', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const exited = once(child, 'exit')
  const origin = new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (listening !== null) resolve(listening[1] as string)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    exited.then(() => reject(new Error(`the replica exited before listening:\n${output}`)), reject)
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await exited
  }
  try {
    return { origin: await origin, output: () => output, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** The keys under a prefix; deleted too when asked. */
async function keysUnder (url: string, prefix: string, { remove = false } = {}): Promise<string[]> {
  const redis = new Redis(url)
  try {
    const keys = await redis.keys(`${prefix}*`)
    if (remove && keys.length > 0) await redis.del(...keys)
    return keys
  } finally {
    redis.disconnect()
  }
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: two replicas`, async (t) => {
    const databaseUrl = dialect === 'sqlite' ? join(t.testdir(), 'replicas.sqlite') : await databaseUrlFor(t, dialect)
    const database = await openDatabase(loadConfig({ DATABASE_URL: databaseUrl }), { migrate: true })
    const passwordHash = await hashPassword(password)
    for (const email of ['ops@example.com', 'limited@example.com']) await createUser(database.db, { name: 'Ops', email, passwordHash })
    await database.db.destroy()

    const keyPrefix = `cs-test-${randomBytes(6).toString('hex')}:`
    if (redisUrl !== undefined) t.teardown(() => keysUnder(redisUrl, keyPrefix, { remove: true }))
    const env = {
      DATABASE_URL: databaseUrl,
      TOKEN_CACHE_TTL: String(TOKEN_CACHE_TTL_SECONDS),
      RATE_LIMIT_PER_MINUTE: '4',
      LOGIN_RATE_LIMIT_PER_MINUTE: '3',
      ...(redisUrl !== undefined && { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix })
    }
    // Started together: the database is migrated already, so neither has to.
    const started = await Promise.allSettled([startReplica(env), startReplica(env)])
    for (const result of started) if (result.status === 'fulfilled') t.teardown(result.value.stop)
    const [first, second] = started.map((result) => {
      if (result.status === 'rejected') throw result.reason
      return result.value
    }) as [Replica, Replica]
    const tokens: string[] = []
    const remaining = (response: Response) => response.headers.get('x-ratelimit-remaining')

    /** Logs in; every token handed out is remembered, to be looked for in the logs. */
    const login = async (replica: Replica, email: string, secret = password, query = false) => {
      const credentials = new URLSearchParams({ email, password: secret })
      const response = query
        ? await fetch(`${replica.origin}/api/login?${credentials}`, { method: 'POST' })
        : await fetch(`${replica.origin}/api/login`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Object.fromEntries(credentials))
        })
      const body = await response.json() as { token?: string }
      if (body.token !== undefined) tokens.push(body.token)
      return { status: response.status, remaining: remaining(response), token: body.token ?? '' }
    }
    const get = (replica: Replica, token: string) =>
      fetch(`${replica.origin}/api/v1/customers`, { headers: { authorization: `Bearer ${token}` } })

    t.test('one rate limit, shared through Redis', { skip: redisUrl === undefined && 'TEST_REDIS_URL is not set' }, async (t) => {
      const { token } = await login(first, 'limited@example.com')
      const answers = []
      for (const replica of [first, second, first, second]) answers.push(await get(replica, token))
      t.same(answers.map((response) => [response.status, remaining(response)]), [[200, '3'], [200, '2'], [200, '1'], [200, '0']])
      for (const replica of [first, second]) {
        const refused = await get(replica, token)
        t.equal(refused.status, 429)
        t.same(await refused.json(), { message: 'Too Many Attempts.' })
      }

      t.equal((await login(second, 'limited@example.com', 'wrong-password')).remaining, '1', "the first replica's login counted")
      t.equal((await login(first, 'limited@example.com', 'wrong-password')).remaining, '0')
      t.equal((await login(second, 'limited@example.com')).status, 429, 'the right password too, from either replica')
      t.not((await keysUnder(redisUrl as string, keyPrefix)).length, 0, 'the counters live in Redis, under the prefix')
    })

    t.test(`a token revoked through one replica is refused by the other within TOKEN_CACHE_TTL (${TOKEN_CACHE_TTL_SECONDS} s)`, async (t) => {
      // As the PHP SDK logs in: the credentials in the query string.
      const { status, token } = await login(first, 'ops@example.com', password, true)
      t.equal(status, 200)
      t.equal((await get(second, token)).status, 200, 'checked, and remembered, by the second replica')
      const revokedAt = Date.now()
      const logout = await fetch(`${first.origin}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      t.equal(logout.status, 200)
      t.equal((await get(first, token)).status, 401, 'refused at once by the replica that revoked it')
      // The bound, not a guess at timing: whatever the second replica remembered, it checked before the
      // revocation. The margin only absorbs timer granularity; a slow machine makes the wait longer, never shorter.
      await sleep(revokedAt + TOKEN_CACHE_TTL_SECONDS * 1000 + 50 - Date.now())
      t.equal((await get(second, token)).status, 401, 'refused by the other replica once the bound has passed')
    })

    t.test('the logs of both replicas hold neither the password nor any token', async (t) => {
      const wrong = await login(second, 'ops@example.com', `${password}-wrong`)
      t.equal(wrong.status, 401)
      await first.stop()
      await second.stop()
      const logs = first.output() + second.output()
      t.match(logs, /"url":"\/api\/login\?email=ops%40example.com&password=\[redacted\]"/, 'the requests were logged')
      t.notOk(logs.includes(password), 'no password')
      t.ok(tokens.length >= 1)
      for (const token of tokens) t.notOk(logs.includes(token), 'no token')
    })
  })
}
