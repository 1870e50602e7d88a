import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import t from 'tap'
import { createToken, findTokenOwner } from '../../src/db/queries/tokens.js'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { generateToken, hashToken } from '../../src/security/tokens.js'
import { buildTestApp, testDialects } from '../helpers/app.js'
import { fuzzUser, hostileRequests, resolveRequest, type ExistingData, type OpenApiDocument } from '../helpers/hostile-requests.js'
import { changedTables, tableSnapshotter, type TableSnapshot } from '../helpers/table-snapshot.js'

/**
 * Thousands of hostile requests across every operation of the app's own OpenAPI document
 * (a new route is fuzzed without touching this file). CI runs a fixed seed; `npm run fuzz`
 * a random one, printed with the command that replays it.
 */
const CI_SEED = 20260501
function wholeNumber (name: string, fallback: number): number {
  const text = process.env[name] ?? String(fallback)
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`)
  return Number(text)
}

const seed = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : wholeNumber('FUZZ_SEED', CI_SEED)
const numRuns = wholeNumber('FUZZ_RUNS', 2000)
const replay = `FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns} npm run fuzz`

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** Tables that record answers rather than data: a write with an Idempotency-Key keeps its 4xx there too. */
const recordsOfAnswers = new Set(['idempotency_keys'])
const discard = { write () {} }

/** The ids and keys the database holds now: what placeholders in generated requests stand for. */
function existingData (snapshot: TableSnapshot, token: string): ExistingData {
  const ids = new Set<number>()
  const keys = new Set<string>()
  for (const [table, rows] of Object.entries(snapshot)) {
    if (recordsOfAnswers.has(table)) continue
    for (const row of rows) {
      const columns = Object.fromEntries(JSON.parse(row) as Array<[string, unknown]>)
      if (typeof columns.id === 'number') ids.add(columns.id)
      if (typeof columns.key === 'string') keys.add(columns.key)
    }
  }
  return { ids: [...ids].sort((a, b) => a - b), keys: [...keys].sort(), token }
}

/** No 5xx, and every error is JSON with a message. */
function checkAnswer (method: string, response: LightMyRequestResponse): void {
  if (response.statusCode >= 500) throw new Error(`answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
  if (response.statusCode < 400 || method === 'HEAD') return
  if (!/^application\/json/.test(String(response.headers['content-type']))) {
    throw new Error(`error ${response.statusCode} is not JSON (${String(response.headers['content-type'])}): ${response.body.slice(0, 300)}`)
  }
  const body: unknown = JSON.parse(response.body)
  const message = (body as { message?: unknown } | null)?.message
  if (typeof message !== 'string' || message === '') throw new Error(`error ${response.statusCode} has no message: ${response.body.slice(0, 300)}`)
}

async function mintToken (app: FastifyInstance, userId: number): Promise<string> {
  const token = generateToken()
  await createToken(app.db, userId, hashToken(token), 3600)
  return token
}

/** A few services and customers, some assigned, so that requests meet existing records. */
async function seedData (app: FastifyInstance, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}` }
  for (const [key, name] of [['support.premium', 'Premium support'], ['voip', 'VoIP trunk'], ['tele_fr', 'TÉLÉPHONIE 100%']]) {
    await app.inject({ method: 'POST', url: '/api/v1/customer-services', headers, payload: { key, name } })
  }
  for (const name of ['ACME Telecom', 'Zoë_%', 'Umbrella']) {
    await app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { name } })
  }
  await app.inject({ method: 'POST', url: '/api/v1/customers/1/services', headers, payload: { services: { 1: {}, 2: { version: '1.1.0' } } } })
}

t.comment(`hostile input: seed ${seed}, ${numRuns} requests per database; replay with ${replay}`)

for (const dialect of testDialects()) {
  t.test(`${dialect}: hostile requests to every route get no 5xx, a JSON message on every error, and change data only by a successful write`, async (t) => {
    // Logging on, so that request serialization and redaction meet the hostile input too.
    const app = await buildTestApp(t, dialect, { LOG_LEVEL: 'info' }, { logStream: discard })
    const user = await createUser(app.db, { name: 'Fuzz', email: fuzzUser.email, passwordHash: await hashPassword(fuzzUser.password) })
    let token = await mintToken(app, user.id)
    await seedData(app, token)
    const snapshotTables = await tableSnapshotter(app.db)
    let before = await snapshotTables()

    const property = fc.asyncProperty(hostileRequests(app.swagger() as unknown as OpenApiDocument), async (template) => {
      const request = resolveRequest(template, existingData(before, token))
      let response: LightMyRequestResponse | undefined
      let failure: unknown
      try {
        response = await app.inject(request)
      } catch (error) {
        failure = error
      }
      const previous = before
      before = await snapshotTables()
      const changes = changedTables(previous, before)
      for (const table of recordsOfAnswers) delete changes[table]
      if (changes.api_tokens !== undefined && await findTokenOwner(app.db, hashToken(token)) === undefined) {
        token = await mintToken(app, user.id)
        before = await snapshotTables()
      }
      if (response === undefined) throw failure
      checkAnswer(request.method, response)
      const successfulWrite = writeMethods.has(request.method) && response.statusCode < 300
      if (!successfulWrite && Object.keys(changes).length > 0) {
        throw new Error(`answered ${response.statusCode} but changed ${JSON.stringify(changes)}`)
      }
    })

    const details = await fc.check(property, { seed, numRuns })
    if (!details.failed) {
      t.pass(`${details.numRuns} hostile requests answered as they should`)
      return
    }
    t.fail(`request ${details.numRuns} of the run failed: ${String(details.errorInstance)}`, {
      counterexample: fc.stringify(details.counterexample?.[0]),
      shrunk: details.numShrinks,
      replay
    })
  })
}
