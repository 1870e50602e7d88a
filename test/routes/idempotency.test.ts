import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS } from '../../src/domain/idempotency.js'
import { buildTestApp, clientFor, databaseUrlFor, loginAs, testDialects, type Client, type TestDialect } from '../helpers/app.js'

const reused = {
  message: 'The Idempotency-Key was already used with a different request.',
  errors: { 'Idempotency-Key': ['The Idempotency-Key was already used with a different request.'] }
}

/** A clock the test moves by hand. */
function manualClock () {
  let now = Date.parse('2026-05-01T10:00:00.000Z')
  return { clock: () => new Date(now), advance: (ms: number) => { now += ms } }
}

/** An app whose idempotency records follow `clock`, with a logged-in client. */
async function setupWithClock (t: Parameters<typeof buildTestApp>[0], dialect: TestDialect, clock = manualClock()) {
  const app = await buildTestApp(t, dialect, {}, { clock: clock.clock })
  const token = await loginAs(app)
  return { app, token, api: clientFor(app, token), ...clock }
}

const keyed = (key: string) => ({ 'idempotency-key': key })
const replayed = (response: LightMyRequestResponse) => response.headers['idempotent-replayed'] === 'true'

async function customerCount (api: Client): Promise<number> {
  return (await api({ method: 'GET', url: '/api/v1/customers' })).json().total
}

async function records (app: FastifyInstance) {
  return await app.db.selectFrom('idempotency_keys').select(['key', 'status']).orderBy('key').execute()
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('a retried create runs once and gets the first answer again, marked as a replay', async (t) => {
      const { api } = await setupWithClock(t, dialect)
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('create-acme-1'), payload: { name: 'ACME' } }
      const first = await api(request)
      t.equal(first.statusCode, 201)
      t.notOk(replayed(first), 'the first answer is not a replay')
      const retry = await api(request)
      t.equal(retry.statusCode, 201)
      t.ok(replayed(retry))
      t.equal(retry.body, first.body, 'the same body, byte for byte')
      t.equal(retry.headers['content-type'], first.headers['content-type'])
      t.equal(retry.headers['x-ratelimit-remaining'], String(Number(first.headers['x-ratelimit-remaining']) - 1), 'a replay counts against the rate limit')
      t.not(retry.headers['x-request-id'], first.headers['x-request-id'], 'a replay has its own request id')
      t.equal(await customerCount(api), 1, 'one customer was created')
    })

    t.test('a retried sync answers what it answered first, even after other changes', async (t) => {
      const { api } = await setupWithClock(t, dialect)
      const voip = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json().id
      const support = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'support', name: 'Support' } })).json().id
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const url = `/api/v1/customers/${customer.id}/services`
      const sync = { method: 'POST' as const, url, headers: keyed('sync-1'), payload: { services: [voip] } }
      const first = await api(sync)
      t.same(first.json(), { message: 'Services synced successfully.', attached: [voip], detached: [], updated: [] })
      t.equal((await api({ method: 'POST', url, payload: { services: [support] } })).statusCode, 201, 'another sync, without the key')

      const retry = await api(sync)
      t.equal(retry.statusCode, 201)
      t.ok(replayed(retry))
      t.equal(retry.body, first.body)
      const services = (await api({ method: 'GET', url })).json().data.map((service: { id: number }) => service.id)
      t.same(services, [support], 'the retry changed nothing')

      t.equal((await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}` })).statusCode, 204)
      const afterDeletion = await api(sync)
      t.equal(afterDeletion.statusCode, 201, 'the stored answer comes before the customer is looked up')
      t.equal(afterDeletion.body, first.body)
    })

    t.test('a retried DELETE gets its 204 again rather than a 404', async (t) => {
      const { api } = await setupWithClock(t, dialect)
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const deletion = { method: 'DELETE' as const, url: `/api/v1/customers/${customer.id}`, headers: keyed('delete-acme') }
      t.equal((await api(deletion)).statusCode, 204)
      const retry = await api(deletion)
      t.equal(retry.statusCode, 204)
      t.ok(replayed(retry))
      t.equal(retry.body, '')
      t.equal((await api({ method: 'DELETE', url: deletion.url })).statusCode, 404, 'without the key, the same DELETE runs and finds nothing')
    })

    t.test('the same key with another body, method or URL is a 422 and runs nothing', async (t) => {
      const { api } = await setupWithClock(t, dialect)
      const headers = { ...keyed('k-1'), 'content-type': 'application/json' }
      const first = await api({ method: 'POST', url: '/api/v1/customers', headers, payload: '{"name":"ACME"}' })
      t.equal(first.statusCode, 201)
      const differentBody = await api({ method: 'POST', url: '/api/v1/customers', headers, payload: '{"name":"Umbrella"}' })
      t.equal(differentBody.statusCode, 422)
      t.same(differentBody.json(), reused)
      const reformatted = await api({ method: 'POST', url: '/api/v1/customers', headers, payload: '{ "name": "ACME" }' })
      t.ok(replayed(reformatted), 'the body is compared by its parameters, not byte for byte')
      const otherUrl = await api({ method: 'POST', url: '/api/v1/customers?x=1', headers, payload: '{"name":"ACME"}' })
      t.equal(otherUrl.statusCode, 422)
      const otherMethod = await api({ method: 'PATCH', url: `/api/v1/customers/${first.json().id}`, headers, payload: '{"name":"ACME"}' })
      t.equal(otherMethod.statusCode, 422)
      t.same(otherMethod.json(), reused)
      t.equal(await customerCount(api), 1)
      const stillStored = await api({ method: 'POST', url: '/api/v1/customers', headers, payload: '{"name":"ACME"}' })
      t.ok(replayed(stillStored), 'the stored answer is still there for the right request')
    })

    t.test('requests are compared by their parameters: whitespace and key order do not count, values and array order do', async (t) => {
      const { api, app } = await setupWithClock(t, dialect)
      const ids: number[] = []
      for (const key of ['svc-a', 'svc-b']) ids.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key, name: key } })).json().id)
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const url = `/api/v1/customers/${customer.id}/services`
      const headers = { ...keyed('sync-1'), 'content-type': 'application/json' }
      const sync = (payload: string, at = url) => api({ method: 'POST', url: at, headers, payload })
      const first = await sync(`{"services":{"${ids[0]}":{"version":"1"},"${ids[1]}":{}}}`)
      t.equal(first.statusCode, 201)
      const before = await app.db.selectFrom('assignment_history').select('id').execute()

      for (const same of [
        `{ "services" : { "${ids[1]}" : { } , "${ids[0]}" : { "version" : "1" } } }`,
        `{\n  "services": {\n    "${ids[0]}": {"version": "1"},\n    "${ids[1]}": {}\n  }\n}\n`
      ]) {
        const retry = await sync(same)
        t.ok(replayed(retry), `the same request: ${same}`)
        t.equal(retry.statusCode, 201)
        t.equal(retry.body, first.body)
      }
      for (const other of [
        `{"services":{"${ids[0]}":{"version":"2"},"${ids[1]}":{}}}`,
        `{"services":{"${ids[0]}":{"version":1},"${ids[1]}":{}}}`,
        `{"services":{"${ids[0]}":{"version":"1"}}}`
      ]) {
        const retry = await sync(other)
        t.equal(retry.statusCode, 422, `another request: ${other}`)
        t.same(retry.json(), reused)
      }
      t.same(await app.db.selectFrom('assignment_history').select('id').execute(), before, 'no retry ran')

      const listed = { ...keyed('sync-2'), 'content-type': 'application/json' }
      t.equal((await api({ method: 'POST', url, headers: listed, payload: `{"services":[${ids[0]},${ids[1]}]}` })).statusCode, 201)
      const reordered = await api({ method: 'POST', url, headers: listed, payload: `{"services":[${ids[1]},${ids[0]}]}` })
      t.equal(reordered.statusCode, 422, 'array order is part of the request')
      t.equal((await sync(`{"services":{"${ids[0]}":{"version":"1"},"${ids[1]}":{}}}`, `${url}?b=2&a=1`)).statusCode, 422, 'another query')
    })

    t.test('a record written before requests were compared by their parameters still answers a retry sent byte for byte', async (t) => {
      const { api, app, token } = await setupWithClock(t, dialect)
      const payload = '{"name": "ACME"}'
      const headers = { ...keyed('before-upgrade'), 'content-type': 'application/json' }
      const first = await api({ method: 'POST', url: '/api/v1/customers', headers, payload })
      t.equal(first.statusCode, 201)
      // What the version before wrote: the SHA-256 of the method, the URL and the body as sent.
      const asSent = createHash('sha256').update(`POST /api/v1/customers\n${payload}`).digest('hex')
      await app.db.updateTable('idempotency_keys').set({ fingerprint: asSent }).execute()
      const retry = await api({ method: 'POST', url: '/api/v1/customers', headers, payload })
      t.ok(replayed(retry), 'the same bytes: the stored answer')
      t.equal(retry.body, first.body)
      const other = await api({ method: 'POST', url: '/api/v1/customers', headers, payload: '{"name": "Umbrella"}' })
      t.same(other.json(), reused, 'another request is still a 422')
      t.equal(await customerCount(clientFor(app, token)), 1)
    })

    t.test('keys belong to the token that sent them', async (t) => {
      const { app, api } = await setupWithClock(t, dialect)
      const other = clientFor(app, await loginAs(app))
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('shared-key'), payload: { name: 'ACME' } }
      const mine = await api(request)
      const theirs = await other(request)
      t.equal(mine.statusCode, 201)
      t.equal(theirs.statusCode, 201)
      t.notOk(replayed(theirs), "another token's key is another key")
      t.not(theirs.json().id, mine.json().id)
      t.equal(await customerCount(api), 2)
      const differentBody = await other({ ...request, payload: { name: 'Umbrella' } })
      t.equal(differentBody.statusCode, 422, 'each token has its own record')
    })

    t.test('client errors are kept and replayed', async (t) => {
      const { app, api } = await setupWithClock(t, dialect)
      const invalid = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('bad-name'), payload: { name: '' } }
      const first = await api(invalid)
      t.equal(first.statusCode, 422)
      const retry = await api(invalid)
      t.equal(retry.statusCode, 422)
      t.ok(replayed(retry))
      t.equal(retry.body, first.body)
      const missing = { method: 'PATCH' as const, url: '/api/v1/customers/999', headers: keyed('rename-999'), payload: { name: 'X' } }
      t.equal((await api(missing)).statusCode, 404)
      t.ok(replayed(await api(missing)))
      t.same(await records(app), [{ key: 'bad-name', status: 422 }, { key: 'rename-999', status: 404 }])
    })

    t.test('a server error is not kept: the retry runs again', async (t) => {
      const { app, api } = await setupWithClock(t, dialect)
      await sql`alter table customers rename to customers_away`.execute(app.db)
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('during-failure'), payload: { name: 'ACME' } }
      const failed = await api(request)
      t.equal(failed.statusCode, 500)
      t.same(await records(app), [], 'the claim was given up')
      await sql`alter table customers_away rename to customers`.execute(app.db)
      const retry = await api(request)
      t.equal(retry.statusCode, 201)
      t.notOk(replayed(retry))
      t.same(await records(app), [{ key: 'during-failure', status: 201 }])
    })

    t.test('an invalid key is a 400 and runs nothing', async (t) => {
      const { app, api } = await setupWithClock(t, dialect)
      for (const key of ['', 'x'.repeat(256), 'tab\there', 'clé']) {
        const response = await api({ method: 'POST', url: '/api/v1/customers', headers: keyed(key), payload: { name: 'ACME' } })
        t.equal(response.statusCode, 400, JSON.stringify(key))
        t.same(response.json(), { message: 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.' })
      }
      const longest = await api({ method: 'POST', url: '/api/v1/customers', headers: keyed(' ~'.repeat(127) + 'x'), payload: { name: 'ACME' } })
      t.equal(longest.statusCode, 201, '255 printable characters are a key')
      t.equal(await customerCount(api), 1)
      t.equal((await records(app)).length, 1)
    })

    t.test('reads and requests without a key are left alone', async (t) => {
      const { app, api } = await setupWithClock(t, dialect)
      const read = await api({ method: 'GET', url: '/api/v1/customers', headers: keyed('on-a-read') })
      t.equal(read.statusCode, 200)
      t.notOk(replayed(read))
      t.equal((await api({ method: 'GET', url: '/api/v1/customers', headers: keyed('') })).statusCode, 200, 'not even checked on a read')
      await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })
      await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })
      t.equal(await customerCount(api), 2)
      t.same(await records(app), [])
    })

    t.test("a route's own 409 is kept, and told apart from the 409 of a key in use", async (t) => {
      const { app, api, clock } = await setupWithClock(t, dialect)
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [service.id] } })
      const deletion = { method: 'DELETE' as const, url: `/api/v1/customer-services/${service.id}`, headers: keyed('drop-voip') }
      const inUse = await api(deletion)
      t.equal(inUse.statusCode, 409)
      t.same(inUse.json(), { message: 'The customer service is still assigned to 1 customer.', customers_count: 1 })
      const retry = await api(deletion)
      t.ok(replayed(retry))
      t.equal(retry.body, inUse.body)

      await app.db.updateTable('idempotency_keys').set({ status: null, headers: null, body: null, created_at: clock().toISOString() }).execute()
      const busy = await api(deletion)
      t.equal(busy.statusCode, 409)
      t.same(busy.json(), { message: 'A request with this Idempotency-Key is still being processed.' })
      t.equal(busy.headers['retry-after'], '1')
    })

    t.test('a key still being answered is a 409 with Retry-After; a claim past its lease is taken over', async (t) => {
      const { app, api, advance, clock } = await setupWithClock(t, dialect)
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('slow'), payload: { name: 'ACME' } }
      t.equal((await api(request)).statusCode, 201)
      // What another process's claim looks like while its request runs and before it writes: the same record, without an answer yet.
      await app.db.updateTable('idempotency_keys').set({ status: null, headers: null, body: null, applied_at: null, created_at: clock().toISOString() }).execute()

      const busy = await api(request)
      t.equal(busy.statusCode, 409)
      t.same(busy.json(), { message: 'A request with this Idempotency-Key is still being processed.' })
      t.equal(busy.headers['retry-after'], '1')
      const other = await api({ ...request, payload: { name: 'Other' } })
      t.equal(other.statusCode, 422, 'another request with the key is still refused as such')

      advance(IDEMPOTENCY_LEASE_MS - 1000)
      t.equal((await api(request)).statusCode, 409, 'within the lease')
      advance(1000)
      const takenOver = await api(request)
      t.equal(takenOver.statusCode, 201, 'past the lease the claim is abandoned and the request runs')
      t.notOk(replayed(takenOver))
      t.ok(replayed(await api(request)), 'and its answer is kept')
    })

    t.test('a request whose writes committed but whose process died before storing its answer never runs again', async (t) => {
      const { app, api, advance, clock } = await setupWithClock(t, dialect)
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('crashed'), payload: { name: 'ACME' } }
      t.equal((await api(request)).statusCode, 201)
      const [record] = await app.db.selectFrom('idempotency_keys').select(['applied_at']).execute()
      t.ok(record?.applied_at, 'the claim was marked applied in the write\'s own transaction')
      // The same record as a process that died between its commit and its answer leaves it.
      await app.db.updateTable('idempotency_keys').set({ status: null, headers: null, body: null, created_at: clock().toISOString() }).execute()

      t.equal((await api(request)).statusCode, 409, 'within the lease: still in progress')
      advance(IDEMPOTENCY_LEASE_MS)
      const lost = await api(request)
      t.equal(lost.statusCode, 409)
      t.same(lost.json(), { message: 'A request with this Idempotency-Key was applied, but its answer was not recorded; read the resource to see its state.' })
      t.equal((await api(request)).statusCode, 409, 'and every retry after it')
      t.equal(await customerCount(api), 1, 'the customer was created once')
    })

    t.test('concurrent requests with one key: exactly one runs, the others wait or replay', async (t) => {
      const { api } = await setupWithClock(t, dialect)
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('burst'), payload: { name: 'ACME' } }
      const responses = await Promise.all(Array.from({ length: 12 }, () => api(request)))
      const ran = responses.filter((response) => response.statusCode === 201 && !replayed(response))
      t.equal(ran.length, 1, 'one request ran')
      for (const response of responses) {
        t.ok(response.statusCode === 409 || (response.statusCode === 201 && response.body === ran[0]?.body), `${response.statusCode} ${response.body}`)
      }
      t.equal(await customerCount(api), 1)
    })

    t.test('answers are kept for 24 hours, then forgotten and purged', async (t) => {
      const { app, api, advance } = await setupWithClock(t, dialect)
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('daily'), payload: { name: 'ACME' } }
      t.equal((await api(request)).statusCode, 201)
      await api({ ...request, headers: keyed('other'), payload: { name: 'Other' } })
      advance(IDEMPOTENCY_TTL_MS - 1000)
      t.ok(replayed(await api(request)), 'replayed within 24 hours')
      advance(1000)
      const later = await api({ ...request, payload: { name: 'A new request' } })
      t.equal(later.statusCode, 201, 'after 24 hours the key is free, whatever the request')
      t.notOk(replayed(later))
      await app.idempotency.settled()
      t.same(await records(app), [{ key: 'daily', status: 201 }], 'that request purged the expired records')
      t.equal(await customerCount(api), 3)

      advance(IDEMPOTENCY_TTL_MS)
      t.equal(await app.idempotency.purgeExpired(), 1)
      t.same(await records(app), [])
    })

    t.test('the purge deletes a bounded batch of expired records', async (t) => {
      const { app, api, advance } = await setupWithClock(t, dialect)
      for (let i = 0; i < 5; i++) {
        await api({ method: 'POST', url: '/api/v1/customers', headers: keyed(`k-${i}`), payload: { name: `C${i}` } })
      }
      advance(IDEMPOTENCY_TTL_MS)
      await api({ method: 'POST', url: '/api/v1/customers', headers: keyed('fresh'), payload: { name: 'Fresh' } })
      await app.idempotency.settled()
      t.same(await records(app), [{ key: 'fresh', status: 201 }])
      advance(IDEMPOTENCY_TTL_MS)
      for (let i = 0; i < 3; i++) await api({ method: 'POST', url: '/api/v1/customers', headers: keyed(`n-${i}`), payload: { name: `N${i}` } })
      await app.idempotency.settled()
      t.same(await records(app), ['n-0', 'n-1', 'n-2'].map((key) => ({ key, status: 201 })))
      advance(IDEMPOTENCY_TTL_MS)
      t.equal(await app.idempotency.purgeExpired(2), 2)
      t.equal(await app.idempotency.purgeExpired(2), 1)
      t.equal(await app.idempotency.purgeExpired(2), 0)
    })

    t.test('a browser page may send a key and read the replay mark (CORS)', async (t) => {
      const origin = 'https://admin.example.com'
      const app = await buildTestApp(t, dialect, { CORS_ORIGINS: origin })
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/api/v1/customers',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' }
      })
      t.equal(preflight.statusCode, 204)
      t.match(preflight.headers['access-control-allow-headers'], /(^|, )Idempotency-Key(,|$)/)
      const api = clientFor(app, await loginAs(app))
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: { origin, ...keyed('from-a-browser') }, payload: { name: 'ACME' } }
      await api(request)
      t.match((await api(request)).headers['access-control-expose-headers'], /(^|, )Idempotent-Replayed(,|$)/)
    })

    t.test('two app instances on one database (two replicas) share the keys', async (t) => {
      const url = dialect === 'sqlite' ? join(t.testdir(), 'shared.sqlite') : await databaseUrlFor(t, dialect)
      const first = await buildTestApp(t, dialect, { DATABASE_URL: url })
      const second = await buildTestApp(t, dialect, { DATABASE_URL: url })
      const token = await loginAs(first)
      const [one, two] = [clientFor(first, token), clientFor(second, token)]
      const request = { method: 'POST' as const, url: '/api/v1/customers', headers: keyed('across'), payload: { name: 'ACME' } }
      const answer = await one(request)
      t.equal(answer.statusCode, 201)
      const elsewhere = await two(request)
      t.ok(replayed(elsewhere), 'the other instance replays the answer')
      t.equal(elsewhere.body, answer.body)
      t.equal((await two({ ...request, payload: { name: 'Other' } })).statusCode, 422)

      const burst = { ...request, headers: keyed('burst-across') }
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two)(burst)))
      t.equal(responses.filter((response) => response.statusCode === 201 && !replayed(response)).length, 1, 'one request ran')
      t.ok(responses.every((response) => response.statusCode === 201 || response.statusCode === 409))
      t.equal(await customerCount(one), 2)
    })
  })
}

t.test('a write whose schema does not document Idempotency-Key is refused when it is declared', async (t) => {
  const app = await buildTestApp(t, 'sqlite')
  const write = { method: 'POST' as const, url: '/api/v1/undocumented', handler: async () => ({}) }
  t.throws(() => app.idempotency.protect({ ...write, schema: { response: { 200: { type: 'object' } } } }), /does not say so/)
  t.doesNotThrow(() => app.idempotency.protect({ method: 'GET', url: '/api/v1/undocumented', handler: async () => ({}) }), 'a read is left alone')
})
