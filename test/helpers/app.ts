import { randomBytes } from 'node:crypto'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import pg from 'pg'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { checkAnswersAgainstSpec } from './openapi-check.js'

export type TestDialect = 'sqlite' | 'postgres'

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server. */
export function testDialects (): TestDialect[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']
}

/** A new, empty PostgreSQL database for one test file, dropped when it ends. */
export async function freshPostgresUrl (t: Teardown): Promise<string> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl === undefined) throw new Error('TEST_DATABASE_URL is not set')
  const name = `cs_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  t.teardown(async () => {
    const cleanup = new pg.Client({ connectionString: serverUrl })
    await cleanup.connect()
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await cleanup.end()
  })
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export async function databaseUrlFor (t: Teardown, dialect: TestDialect): Promise<string> {
  return dialect === 'postgres' ? await freshPostgresUrl(t) : ':memory:'
}

/**
 * The production app on a fresh, migrated database of the given dialect. Every answer
 * it gives through `inject` is checked against its OpenAPI document.
 */
export async function buildTestApp (t: Teardown, dialect: TestDialect, env: NodeJS.ProcessEnv = {}, options: BuildOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: await databaseUrlFor(t, dialect), ...env })
  const app = await buildApp(config, { migrate: true, ...options })
  t.teardown(() => app.close())
  await app.ready()
  checkAnswersAgainstSpec(app)
  return app
}

export const testPassword = 'correct-horse-battery-42'

/** Creates a user and logs in; returns the bearer token. */
export async function loginAs (app: FastifyInstance, email = `ops-${randomBytes(4).toString('hex')}@example.com`): Promise<string> {
  await createUser(app.db, { name: 'Ops', email, passwordHash: await hashPassword(testPassword) })
  const response = await app.inject({ method: 'POST', url: '/api/login', payload: { email, password: testPassword } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`)
  return response.json().token
}

export type Client = (options: InjectOptions) => Promise<LightMyRequestResponse>

/** `inject` with the token added, so tests read as calls to the API. */
export function clientFor (app: FastifyInstance, token: string): Client {
  return (options) => app.inject({ ...options, headers: { authorization: `Bearer ${token}`, ...options.headers } })
}

/** An authenticated client on a fresh app. */
export async function setup (t: Teardown, dialect: TestDialect) {
  const app = await buildTestApp(t, dialect)
  const token = await loginAs(app)
  return { app, token, api: clientFor(app, token) }
}
