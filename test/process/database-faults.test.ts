import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { buildTestApp, clientFor, freshPostgresUrl, loginAs, setup, testDialects } from '../helpers/app.js'
import { postgresBinaries, throwawayCluster } from '../helpers/postgres-cluster.js'
import { eventually, httpClient, loginOver, startServer } from '../helpers/server-process.js'
import { tcpRelay } from '../helpers/tcp-relay.js'

const bin = postgresBinaries()

t.test('postgres: while the database is down the service answers 503 without details, and recovers by itself when it is back', {
  skip: bin === undefined && 'no PostgreSQL server binaries (initdb) on this machine'
}, async (t) => {
  const cluster = await throwawayCluster(t, bin as string)
  await cluster.start()
  // Every request asks the database for its token, so every route meets the outage.
  const server = await startServer(t, { DATABASE_URL: cluster.url, TOKEN_CACHE_TTL: '0' })
  const api = httpClient(server.url, await loginOver(server.url, cluster.url))
  const voip = (await api('POST', '/api/v1/customer-services', { key: 'voip', name: 'VoIP' })).body.id
  const support = (await api('POST', '/api/v1/customer-services', { key: 'support', name: 'Support' })).body.id
  const customer = (await api('POST', '/api/v1/customers', { name: 'ACME' })).body.id
  const sync = (services: number[]) => api('POST', `/api/v1/customers/${customer}/services`, { services })
  t.equal((await sync([voip])).status, 201)
  const ready = () => fetch(`${server.url}/health/ready`)

  await cluster.stop()
  const notReady = await ready()
  t.same([notReady.status, await notReady.json()], [503, { message: 'The database is unavailable.', status: 'unavailable' }])
  const answers = [
    await sync([voip, support]),
    await api('GET', `/api/v1/customers/${customer}/services`),
    await api('GET', '/api/v1/customer-services'),
    await api('POST', '/api/login', { email: 'ops@example.com', password: 'correct-horse-42' })
  ]
  t.same(answers, answers.map(() => ({ status: 503, body: { message: 'Service Unavailable' } })),
    'each route answers 503 with a message only: no stack, no SQL, no driver error')
  t.equal((await fetch(`${server.url}/health/live`)).status, 200, 'the process lives on')

  await cluster.start()
  await eventually('the service is ready again', async () => (await ready()).status === 200)
  t.same((await sync([voip, support])).body.attached, [support], 'writes work again, without a restart')

  // A restart drops the connections the pool holds; the pool replaces them.
  await cluster.restart()
  await eventually('the service is ready after the restart', async () => (await ready()).status === 200)
  t.same((await sync([support])).body.detached, [voip])
  const listed = await api('GET', `/api/v1/customers/${customer}/services`)
  t.same(listed.body.data.map((service: { id: number }) => service.id), [support])

  t.equal(server.child.exitCode, null, 'the same process served throughout')
  t.match(server.stdout(), /database connection lost/, 'the lost connections were logged')
  t.match(server.stdout(), /database unavailable/, 'and so were the refused requests')
})

t.test('postgres: a database closed to connections (ALLOW_CONNECTIONS false) answers 503, not 500, on API calls and syncs', {
  skip: !testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)'
}, async (t) => {
  // The token cache (5 s by default) lets the requests past authentication, to the routes' own queries.
  const { app, api } = await setup(t, 'postgres')
  const voip = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json().id
  const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json().id
  const sync = () => api({ method: 'POST', url: `/api/v1/customers/${customer}/services`, payload: { services: [voip] } })
  t.equal((await sync()).statusCode, 201)

  const name = (await sql<{ name: string }>`select current_database() as name`.execute(app.db)).rows[0]?.name as string
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL })
  await admin.connect()
  t.teardown(() => admin.end())
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name])
  await eventually('the pool has dropped its connections', () => app.connectionUse().open === 0)

  const answers = [
    await sync(),
    await api({ method: 'GET', url: `/api/v1/customers/${customer}/services` }),
    await api({ method: 'GET', url: '/api/v1/customer-services' }),
    await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Initech' } })
  ].map((response) => ({ status: response.statusCode, body: response.json() }))
  t.same(answers, answers.map(() => ({ status: 503, body: { message: 'Service Unavailable' } })))
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503)

  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
  t.equal((await sync()).statusCode, 201, 'served again once the database accepts connections')
})

/** The app on a fresh database reached through a relay the test can make silent, with a short DATABASE_TIMEOUT. */
async function appBehindRelay (t: Parameters<typeof buildTestApp>[0]) {
  const url = new URL(await freshPostgresUrl(t))
  const relay = await tcpRelay(t, { host: url.hostname, port: Number(url.port === '' ? 5432 : url.port) })
  const direct = url.toString()
  url.hostname = '127.0.0.1'
  url.port = String(relay.port)
  const app = await buildTestApp(t, 'postgres', { DATABASE_URL: url.toString(), DATABASE_TIMEOUT: '1000' })
  const api = clientFor(app, await loginAs(app))
  const voip = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json().id
  const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json().id
  return { app, api, relay, direct, voip, customer }
}

t.test('postgres: while the network to the database drops every packet, the readiness probe and requests on pooled connections answer 503, and the pool recovers on new connections when it returns', {
  skip: !testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)',
  // Without the timeouts the requests would wait for the network for ever; fail instead.
  timeout: 60_000
}, async (t) => {
  const { app, api, relay, voip, customer } = await appBehindRelay(t)
  const sync = () => api({ method: 'POST', url: `/api/v1/customers/${customer}/services`, payload: { services: [voip] } })
  const list = () => api({ method: 'GET', url: '/api/v1/customer-services' })
  const ready = () => app.inject({ method: 'GET', url: '/health/ready' })
  // Requests at once, so that the pool holds several connections.
  t.same((await Promise.all([sync(), list(), list(), list()])).map((response) => response.statusCode), [201, 200, 200, 200])
  t.ok(app.connectionUse().idle as number > 1, 'the pool holds idle connections')

  relay.silence()
  const answers = (await Promise.all([sync(), list(), list(), list(), list(), ready()]))
    .map((response) => ({ status: response.statusCode, body: response.json() }))
  t.same(answers.slice(0, 5), answers.slice(0, 5).map(() => ({ status: 503, body: { message: 'Service Unavailable' } })),
    'requests on pooled connections, and those that needed a new one, answer 503')
  t.same(answers[5], { status: 503, body: { message: 'The database is unavailable.', status: 'unavailable' } })
  t.equal((await ready()).statusCode, 503, 'still not ready while the network is silent')

  // The pooled connections stay black-holed: only by discarding them can the pool recover.
  relay.resumeNewConnections()
  await eventually('the service is ready again', async () => (await ready()).statusCode === 200)
  t.same((await Promise.all([sync(), list(), list(), list(), list(), list()])).map((response) => response.statusCode), [201, 200, 200, 200, 200, 200],
    'the connections that timed out were discarded, not handed to later requests')
})

t.test('postgres: a statement that waits on a lock longer than DATABASE_TIMEOUT is cancelled and answers 503', {
  skip: !testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)',
  timeout: 60_000
}, async (t) => {
  const { app, api, direct } = await appBehindRelay(t)
  const holder = new pg.Client({ connectionString: direct })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query('begin')
  await holder.query('lock table customers in access exclusive mode')
  const blocked = await api({ method: 'GET', url: '/api/v1/customers' })
  t.same([blocked.statusCode, blocked.json()], [503, { message: 'Service Unavailable' }])
  await holder.query('rollback')
  t.equal((await api({ method: 'GET', url: '/api/v1/customers' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
})

t.test('postgres: the pool\'s sockets send TCP keep-alive probes, so a vanished peer is found even on an idle connection', {
  skip: (!testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)') ||
    (!existsSync('/usr/bin/ss') && !existsSync('/bin/ss') && 'no ss (iproute2) to read the sockets\' timers')
}, async (t) => {
  const { app, relay } = await appBehindRelay(t)
  t.ok(app.connectionUse().idle as number > 0)
  const { stdout } = await promisify(execFile)('ss', ['-tnoH', 'state', 'established', 'dst', `127.0.0.1:${relay.port}`])
  const sockets = stdout.split('\n').filter((line) => line.trim() !== '')
  t.ok(sockets.length > 0, 'the pool is connected to the relay')
  t.ok(sockets.every((line) => line.includes('timer:(keepalive')), stdout)
})
