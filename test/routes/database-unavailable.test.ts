import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { buildTestApp, clientFor, loginAs } from '../helpers/app.js'

t.test('sqlite: a write another process keeps locked through every retry answers 503, and goes through once the lock is gone', async (t) => {
  const file = join(t.testdir(), 'busy.sqlite')
  const app = await buildTestApp(t, 'sqlite', { DATABASE_URL: file, SQLITE_BUSY_TIMEOUT: '20' })
  const api = clientFor(app, await loginAs(app))
  const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json()
  const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
  const sync = () => api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [service.id] } })

  const otherProcess = new SQLite(file)
  t.teardown(() => otherProcess.close())
  otherProcess.exec('begin immediate')
  const blocked = await sync()
  t.equal(blocked.statusCode, 503)
  t.same(blocked.json(), { message: 'Service Unavailable' }, 'no detail, no SQL')
  const read = await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services` })
  t.same([read.statusCode, read.json().total], [200, 0], 'reads go on meanwhile, and the sync did nothing')

  otherProcess.exec('rollback')
  const synced = await sync()
  t.equal(synced.statusCode, 201)
  t.same(synced.json().attached, [service.id])
})
