import { readFile } from 'node:fs/promises'
import t from 'tap'
import { buildTestApp, clientFor, loginAs, testDialects } from '../helpers/app.js'

const metricsToken = 'scrape-secret-0123456789abcdef'

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** The samples of a Prometheus text exposition. */
function samplesOf (text: string): Sample[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null) throw new Error(`not a sample: ${line}`)
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => [name, value]))
    return { name: match[1] as string, labels, value: Number(match[3]) }
  })
}

/** The value of the one sample with this name and these labels, or undefined. */
function valueOf (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name &&
    Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

const scrapeHeaders = { authorization: `Bearer ${metricsToken}` }

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('without METRICS_TOKEN, /metrics does not exist', async (t) => {
      const app = await buildTestApp(t, dialect)
      const response = await app.inject({ method: 'GET', url: '/metrics', headers: scrapeHeaders })
      t.equal(response.statusCode, 404)
      t.same(response.json(), { message: 'The route metrics could not be found.' })
    })

    t.test('/metrics asks for its own bearer secret, compared whole', async (t) => {
      const app = await buildTestApp(t, dialect, { METRICS_TOKEN: metricsToken })
      const apiToken = await loginAs(app)
      const refused: Array<Record<string, string>> = [
        {},
        { authorization: `Bearer ${metricsToken.slice(0, -1)}x` },
        { authorization: `Bearer ${metricsToken}x` },
        { authorization: `Bearer ${apiToken}` },
        { authorization: `Basic ${Buffer.from(`metrics:${metricsToken}`).toString('base64')}` },
        { authorization: metricsToken }
      ]
      for (const headers of refused) {
        const response = await app.inject({ method: 'GET', url: '/metrics', headers })
        t.equal(response.statusCode, 401, JSON.stringify(headers))
        t.same(response.json(), { message: 'Unauthenticated.' })
      }
      const scraped = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `bearer ${metricsToken}` } })
      t.equal(scraped.statusCode, 200)
      t.match(scraped.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    })

    t.test('with ANSWER_CACHE_MB=0 there is no answer cache to measure', async (t) => {
      const app = await buildTestApp(t, dialect, { METRICS_TOKEN: metricsToken, ANSWER_CACHE_MB: '0' })
      const samples = samplesOf((await app.inject({ method: 'GET', url: '/metrics', headers: scrapeHeaders })).body)
      t.same(samples.filter((sample) => sample.name.startsWith('customer_services_answer_cache_')), [])
      t.ok(samples.some((sample) => sample.name === 'customer_services_syncs_total'), 'the other metrics are there')
    })

    t.test(dialect === 'sqlite'
      ? 'SQLite counts the writes each commit carried: concurrent syncs share commits'
      : 'PostgreSQL commits each write on its own: no writes-per-commit metric', async (t) => {
      const app = await buildTestApp(t, dialect, { METRICS_TOKEN: metricsToken })
      const api = clientFor(app, await loginAs(app))
      const service = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'voip', name: 'VoIP' } })).json().id
      const customers: number[] = []
      for (let index = 0; index < 10; index++) customers.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${index}` } })).json().id)
      const commits = async () => {
        const samples = samplesOf((await app.inject({ method: 'GET', url: '/metrics', headers: scrapeHeaders })).body)
        return { count: valueOf(samples, 'customer_services_db_writes_per_commit_count'), sum: valueOf(samples, 'customer_services_db_writes_per_commit_sum') }
      }
      const before = await commits()
      const syncs = await Promise.all(customers.map(async (customer) => await api({ method: 'POST', url: `/api/v1/customers/${customer}/services`, payload: { services: [service] } })))
      t.same(syncs.map((sync) => sync.statusCode), customers.map(() => 201))
      const after = await commits()
      if (dialect === 'postgres') {
        t.same(after, { count: undefined, sum: undefined })
        return
      }
      t.equal(before.sum, 11, 'each write before was counted: the service and the ten customers')
      t.equal((after.sum as number) - (before.sum as number), 10, 'the ten syncs')
      t.ok((after.count as number) - (before.count as number) < 10, `they took ${(after.count as number) - (before.count as number)} commits`)
    })

    t.test('/metrics stays out of the OpenAPI document', async (t) => {
      const app = await buildTestApp(t, dialect, { METRICS_TOKEN: metricsToken })
      t.notOk(Object.keys((app.swagger() as { paths: object }).paths).includes('/metrics'))
      t.notMatch(await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8'), /\/metrics/)
    })

    t.test('a scrape counts requests by route pattern and status, sync outcomes, the database pool and the process', async (t) => {
      const app = await buildTestApp(t, dialect, { METRICS_TOKEN: metricsToken })
      const api = clientFor(app, await loginAs(app))
      const ids: number[] = []
      for (const key of ['support', 'voip', 'fibre']) {
        ids.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key, name: key } })).json().id)
      }
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const syncUrl = `/api/v1/customers/${customer.id}/services`
      t.equal((await api({ method: 'POST', url: syncUrl, payload: { services: [ids[0], ids[1]] } })).statusCode, 201)
      const second = await api({ method: 'POST', url: syncUrl, payload: { services: { [ids[1] as number]: { version: '2.0' }, [ids[2] as number]: {} } } })
      t.same(second.json(), { message: 'Services synced successfully.', attached: [ids[2]], detached: [ids[0]], updated: [ids[1]] })
      t.equal((await api({ method: 'POST', url: syncUrl, payload: { services: [999999] } })).statusCode, 422, 'a refused sync')
      t.equal((await api({ method: 'POST', url: '/api/v1/customers/999999/services', payload: { services: [] } })).statusCode, 404)
      t.equal((await api({ method: 'GET', url: '/api/v1/no-such-thing/42' })).statusCode, 404)
      t.equal((await api({ method: 'DELETE', url: '/api/version' })).statusCode, 405)
      t.equal((await api({ method: 'PUT', url: `${syncUrl}/history` })).statusCode, 405)

      const scraped = await app.inject({ method: 'GET', url: '/metrics', headers: scrapeHeaders })
      t.equal(scraped.statusCode, 200)
      const samples = samplesOf(scraped.body)
      const requests = (labels: Record<string, string>) => valueOf(samples, 'http_request_duration_seconds_count', labels)

      const syncRoute = '/api/v1/customers/:customer/services'
      t.equal(requests({ method: 'POST', route: syncRoute, status_code: '201' }), 2)
      t.equal(requests({ method: 'POST', route: syncRoute, status_code: '422' }), 1)
      t.equal(requests({ method: 'POST', route: syncRoute, status_code: '404' }), 1)
      t.equal(requests({ method: 'POST', route: '/api/v1/customer-services', status_code: '201' }), 3)
      t.equal(requests({ method: 'POST', route: '/api/login', status_code: '200' }), 1)
      t.equal(requests({ method: 'GET', route: 'unmatched', status_code: '404' }), 1, 'unknown routes share one label')
      t.equal(requests({ method: 'DELETE', route: 'unmatched', status_code: '405' }), 1)
      t.equal(requests({ method: 'PUT', route: 'unmatched', status_code: '405' }), 1, 'a method its path lacks, though a less specific pattern has it')
      const routes = new Set(samples.filter((sample) => sample.name.startsWith('http_request_duration_seconds')).map((sample) => sample.labels.route))
      t.same([...routes].filter((route) => /\/\d+(\/|$)/.test(route ?? '')), [], 'no raw URL, no id, becomes a label')
      t.equal(valueOf(samples, 'http_request_duration_seconds_bucket', { method: 'POST', route: syncRoute, status_code: '201', le: '+Inf' }), 2,
        'latency is a histogram')
      t.ok(samples.some((sample) => sample.name === 'http_request_duration_seconds_bucket' && sample.labels.le === '0.1'))

      t.equal(valueOf(samples, 'customer_services_syncs_total'), 2, 'applied syncs only')
      t.equal(valueOf(samples, 'customer_services_sync_assignments_total', { change: 'attached' }), 3)
      t.equal(valueOf(samples, 'customer_services_sync_assignments_total', { change: 'detached' }), 1)
      t.equal(valueOf(samples, 'customer_services_sync_assignments_total', { change: 'updated' }), 1)

      if (dialect === 'postgres') {
        t.equal(valueOf(samples, 'customer_services_db_pool_max_connections'), 10)
        const open = valueOf(samples, 'customer_services_db_pool_open_connections') as number
        t.ok(open >= 1 && open <= 10, `open connections: ${open}`)
        t.ok((valueOf(samples, 'customer_services_db_pool_idle_connections') as number) <= open)
        t.equal(valueOf(samples, 'customer_services_db_pool_waiting_queries'), 0)
      } else {
        t.equal(valueOf(samples, 'customer_services_db_pool_max_connections'), 1)
        t.equal(valueOf(samples, 'customer_services_db_pool_open_connections'), 1, 'SQLite: its one handle')
        t.equal(valueOf(samples, 'customer_services_db_pool_idle_connections'), undefined, 'SQLite has no pool to be idle in')
        t.equal(valueOf(samples, 'customer_services_db_pool_waiting_queries'), undefined)
      }

      const answerCache = (name: string, labels?: Record<string, string>) => valueOf(samples, `customer_services_answer_cache_${name}`, labels)
      if (dialect === 'postgres') {
        t.same([answerCache('lookups_total', { result: 'hit' }), answerCache('bytes'), answerCache('max_bytes')], [undefined, undefined, undefined],
          'PostgreSQL has no answer cache to measure')
      } else {
        t.equal(answerCache('max_bytes'), 32 * 1024 * 1024, 'ANSWER_CACHE_MB, in bytes')
        t.equal(answerCache('lookups_total', { result: 'hit' }), 0, 'no GET was repeated')
        const before = { misses: answerCache('lookups_total', { result: 'miss' }) as number, bytes: answerCache('bytes') as number }
        const page = await api({ method: 'GET', url: '/api/v1/customer-services' })
        t.equal((await api({ method: 'GET', url: '/api/v1/customer-services' })).body, page.body)
        const after = samplesOf((await app.inject({ method: 'GET', url: '/metrics', headers: scrapeHeaders })).body)
        t.equal(valueOf(after, 'customer_services_answer_cache_lookups_total', { result: 'hit' }), 1, 'the repeated page came from memory')
        t.equal(valueOf(after, 'customer_services_answer_cache_lookups_total', { result: 'miss' }), before.misses + 1)
        t.equal(valueOf(after, 'customer_services_answer_cache_bytes'), before.bytes + page.body.length + (page.headers.etag?.length ?? 0), 'the page is held')
      }

      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        t.ok(samples.some((sample) => sample.name === name), `process metric ${name}`)
      }
    })
  })
}
