import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { buildTestApp, clientFor, freshPostgresUrl, loginAs, testDialects, type TestDialect } from '../helpers/app.js'

type Test = Parameters<typeof buildTestApp>[0]

/** Runs one statement on the app's database through a connection of its own, as another process would. */
type ForeignWrite = (statement: string) => Promise<void>

/** An app on a database that a second connection can write to behind its back. */
async function appWithForeignWriter (t: Test, dialect: TestDialect, env: Record<string, string> = {}) {
  let databaseUrl: string
  let write: ForeignWrite
  if (dialect === 'postgres') {
    databaseUrl = await freshPostgresUrl(t)
    write = async (statement) => {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try { await client.query(statement) } finally { await client.end() }
    }
  } else {
    const directory = mkdtempSync(join(tmpdir(), 'answer-cache-'))
    t.teardown(() => rmSync(directory, { recursive: true, force: true }))
    databaseUrl = join(directory, 'data.sqlite')
    write = async (statement) => {
      const other = new SQLite(databaseUrl)
      try { other.exec(statement) } finally { other.close() }
    }
  }
  const app = await buildTestApp(t, dialect, { ...env, DATABASE_URL: databaseUrl })
  const api = clientFor(app, await loginAs(app))
  return { app, api, write }
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('a repeated read is answered alike, from memory on SQLite only', async (t) => {
      const { app, api } = await appWithForeignWriter(t, dialect)
      await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })
      const first = await api({ method: 'GET', url: '/api/v1/customer-services?sort=name' })
      const second = await api({ method: 'GET', url: '/api/v1/customer-services?sort=name' })
      t.equal(second.statusCode, 200)
      t.equal(second.body, first.body)
      t.equal(second.headers['content-type'], first.headers['content-type'])
      if (dialect === 'postgres') {
        t.equal(app.answerCache, null, 'PostgreSQL has no change mark as cheap as the read')
        return
      }
      t.equal(app.answerCache?.stats.hits, 1)
      const otherHost = await api({ method: 'GET', url: '/api/v1/customer-services?sort=name', headers: { host: 'api.example.com' } })
      t.equal(otherHost.json().first_page_url, 'http://api.example.com/api/v1/customer-services?sort=name&page=1', 'links name the host asked')
      t.equal(app.answerCache?.stats.hits, 1, 'another host is another answer')
    })

    t.test('a token is checked before a cached answer is served', async (t) => {
      const { api, app } = await appWithForeignWriter(t, dialect)
      t.equal((await api({ method: 'GET', url: '/api/v1/customers' })).statusCode, 200)
      const anonymous = await app.inject({ method: 'GET', url: '/api/v1/customers' })
      t.equal(anonymous.statusCode, 401)
      await api({ method: 'POST', url: '/api/logout' })
      t.equal((await api({ method: 'GET', url: '/api/v1/customers' })).statusCode, 401, 'nor after logout')
    })

    t.test("a customer token is never served another customer's, or an admin-only, cached answer", async (t) => {
      const { app, api } = await appWithForeignWriter(t, dialect)
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
      const own = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const other = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Globex' } })).json()
      await api({ method: 'POST', url: `/api/v1/customers/${other.id}/services`, payload: { services: [service.id] } })
      const customer = clientFor(app, (await api({ method: 'POST', url: `/api/v1/customers/${own.id}/tokens`, payload: {} })).json().token)
      // Its first use records when it was used, a write; from here on its reads write nothing.
      t.equal((await customer({ method: 'GET', url: `/api/v1/customers/${own.id}` })).statusCode, 200)
      const urls = ['/api/v1/customer-services', '/api/v1/customers', `/api/v1/customers/${other.id}`,
        `/api/v1/customers/${other.id}/services`, `/api/v1/customers/${other.id}/services/voip`]
      for (const url of urls) {
        t.equal((await api({ method: 'GET', url })).statusCode, 200, url)
        t.equal((await api({ method: 'GET', url })).statusCode, 200, `${url} again`)
      }
      const hits = app.answerCache?.stats.hits
      if (dialect === 'sqlite') t.equal(hits, urls.length, 'the admin\'s second reads came from memory')
      for (const url of urls) {
        const response = await customer({ method: 'GET', url })
        t.equal(response.statusCode, 403, url)
        t.same(response.json(), { message: 'This action is unauthorized.' })
      }
      t.equal(app.answerCache?.stats.hits, hits, 'no cached answer was served to the customer token')
      const ownList = `/api/v1/customers/${own.id}/services`
      t.equal((await api({ method: 'GET', url: ownList })).statusCode, 200)
      t.equal((await customer({ method: 'GET', url: ownList })).json().total, 0, 'its own customer is the same answer for both')
    })

    t.test('every write through the API is seen by the next read', async (t) => {
      const { api } = await appWithForeignWriter(t, dialect)
      const read = async (url: string) => (await api({ method: 'GET', url })).json()
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      t.equal((await read('/api/v1/customer-services')).data[0].name, 'VoIP')
      t.equal((await read(`/api/v1/customers/${customer.id}/services`)).total, 0)

      await api({ method: 'PATCH', url: `/api/v1/customer-services/${service.id}`, payload: { name: 'Voice' } })
      t.equal((await read('/api/v1/customer-services')).data[0].name, 'Voice', 'after an update')

      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [service.id] } })
      t.equal((await read(`/api/v1/customers/${customer.id}/services`)).total, 1, 'after a sync')
      t.equal((await read('/api/v1/customer-services')).data[0].customers_count, 1, 'counts too')
      t.equal((await read(`/api/v1/customers/${customer.id}/services/voip`)).pivot.customer_id, customer.id)

      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [] } })
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/voip` })).statusCode, 404, 'after a detach')

      await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}` })
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}` })).statusCode, 404, 'after a delete')
      t.equal((await read('/api/v1/customers')).total, 0)
    })

    t.test('a write by another connection or process is seen by the next read', async (t) => {
      const { api, write } = await appWithForeignWriter(t, dialect)
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${service.id}` })).json().name, 'VoIP')
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${service.id}` })).json().name, 'VoIP')
      await write(`UPDATE customer_services SET name = 'Renamed elsewhere' WHERE id = ${Number(service.id)}`)
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${service.id}` })).json().name, 'Renamed elsewhere')
    })

    t.test('ANSWER_CACHE_MB=0 computes every answer', async (t) => {
      const { app, api, write } = await appWithForeignWriter(t, dialect, { ANSWER_CACHE_MB: '0' })
      t.equal(app.answerCache, null)
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
      const first = await api({ method: 'GET', url: '/api/v1/customer-services?sort=name' })
      t.equal((await api({ method: 'GET', url: '/api/v1/customer-services?sort=name' })).body, first.body)
      await write(`UPDATE customer_services SET name = 'Renamed elsewhere' WHERE id = ${Number(service.id)}`)
      t.equal((await api({ method: 'GET', url: '/api/v1/customer-services?sort=name' })).json().data[0].name, 'Renamed elsewhere')
    })

    t.test('ANSWER_CACHE_MB bounds the answers kept: the oldest go first', async (t) => {
      // 60 answers of about 25 kB each, one per host, hold more than 1 MB but far less than 32.
      const hosts = Array.from({ length: 60 }, (_, index) => `tenant-${index}.example.com`)
      const rereadsServedFromMemory = async (env: Record<string, string>) => {
        const { app, api } = await appWithForeignWriter(t, dialect, env)
        for (let index = 0; index < 100; index++) {
          await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `service-${index}`, name: `Service ${index}`, description: 'x'.repeat(100) } })
        }
        const read = async (host: string) => {
          const response = await api({ method: 'GET', url: '/api/v1/customer-services?per_page=100', headers: { host } })
          t.equal(response.statusCode, 200)
          return response.body.length
        }
        let bytes = 0
        for (const host of hosts) bytes += await read(host)
        const hitsBefore = app.answerCache?.stats.hits ?? 0
        await read(hosts[0] as string)
        return { bytes, hits: app.answerCache === null ? null : (app.answerCache.stats.hits - hitsBefore) }
      }
      const bounded = await rereadsServedFromMemory({ ANSWER_CACHE_MB: '1' })
      const byDefault = await rereadsServedFromMemory({})
      t.ok(bounded.bytes > 1024 * 1024 && bounded.bytes < 32 * 1024 * 1024, `the answers hold ${bounded.bytes} bytes`)
      if (dialect === 'postgres') {
        t.same([bounded.hits, byDefault.hits], [null, null], 'PostgreSQL keeps no answers')
        return
      }
      t.equal(bounded.hits, 0, 'with 1 MB, the first answer was dropped to make room')
      t.equal(byDefault.hits, 1, 'with the default 32 MB, it is still kept')
    })

    t.test('only successful answers are kept: a 404 turns into the record once it exists', async (t) => {
      const { api } = await appWithForeignWriter(t, dialect)
      t.equal((await api({ method: 'GET', url: '/api/v1/customers/1' })).statusCode, 404)
      await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })
      t.equal((await api({ method: 'GET', url: '/api/v1/customers/1' })).statusCode, 200)
    })
  })
}
