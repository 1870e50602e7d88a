import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { createConnection, createServer } from 'node:net'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { testPassword } from './app.js'

/** The process entry, from source: tsx compiles it faster than the loader tap runs tests with. */
const entry = new URL('../../src/server.ts', import.meta.url).pathname
const tsx = import.meta.resolve('tsx')

interface Teardown {
  teardown: (fn: () => unknown) => void
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly exited: Promise<Exit>
  /** What the process has written to standard output so far (its log lines). */
  readonly stdout: () => string
}

/** Spawns the server with the given environment; nothing waits for it to listen. */
export function spawnServer (env: NodeJS.ProcessEnv): ServerProcess {
  const child = spawn(process.execPath, [`--import=${tsx}`, entry], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit)
  return { child, exited, stdout: () => stdout }
}

export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Calls `check` until it returns something other than undefined or false, and returns that.
 * The limit is generous: it only turns a hang into a failure on a slow machine.
 */
export async function eventually<T> (what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result !== undefined && result !== false) return result
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await pause(50)
  }
}

/** Fetches `url`, or answers undefined when no connection can be made. */
export async function fetchOrUndefined (url: string, init?: RequestInit): Promise<Response | undefined> {
  try {
    return await fetch(url, init)
  } catch {
    return undefined
  }
}

export interface RunningServer extends ServerProcess {
  readonly port: number
  readonly url: string
}

/**
 * Starts the server on a free port and waits until it is ready (migrated and serving).
 * The test's teardown kills it if it still runs.
 */
export async function startServer (t: Teardown, env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const port = await freePort()
  const server = spawnServer({ HOST: '127.0.0.1', PORT: String(port), ...env })
  t.teardown(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  })
  const url = `http://127.0.0.1:${port}`
  await eventually('the server is ready', async () => {
    if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}: ${(await server.exited).stderr}`)
    return (await fetchOrUndefined(`${url}/health/ready`))?.status === 200
  })
  return { ...server, port, url }
}

/** True once nothing listens on the port any more. */
export async function refusesConnections (port: number): Promise<boolean> {
  const socket = createConnection(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return false
  } catch (error) {
    return (error as { code?: string }).code === 'ECONNREFUSED'
  } finally {
    socket.destroy()
  }
}

/** Creates an API user straight in the database the server uses, and logs in through the server. */
export async function loginOver (url: string, databaseUrl: string): Promise<string> {
  const email = `ops-${process.pid}-${Date.now()}@example.com`
  const { db } = createDatabase(parseDatabaseUrl(databaseUrl))
  try {
    await createUser(db, { name: 'Ops', email, passwordHash: await hashPassword(testPassword) })
  } finally {
    await db.destroy()
  }
  const response = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: testPassword })
  })
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { token: string }).token
}

export interface Answer {
  status: number
  body: any
}

export type HttpClient = (method: string, path: string, body?: unknown) => Promise<Answer>

/** Calls the API over HTTP with a token; a request that gets no answer rejects. */
export function httpClient (url: string, token: string): HttpClient {
  return async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
  }
}

/** Each customer's service ids, ascending, read straight from the database. */
export async function assignedServices (databaseUrl: string): Promise<Map<number, number[]>> {
  const { db } = createDatabase(parseDatabaseUrl(databaseUrl))
  try {
    const rows = await db.selectFrom('customer_customer_service')
      .select(['customer_id', 'customer_service_id'])
      .orderBy('customer_id')
      .orderBy('customer_service_id')
      .execute()
    const sets = new Map<number, number[]>()
    for (const row of rows) sets.set(row.customer_id, [...(sets.get(row.customer_id) ?? []), row.customer_service_id])
    return sets
  } finally {
    await db.destroy()
  }
}
