import t from 'tap'
import { MAX_URL_LENGTH } from '../../src/plugins/limits.js'
import { buildTestApp, loginAs, testDialects, testPassword, type TestDialect } from '../helpers/app.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

interface LogLine {
  level: number
  msg: string
  request_id?: string
  req?: { method: string, url: string, route?: string }
  res?: { statusCode: number }
  responseTime?: number
  [key: string]: unknown
}

/** An app whose log lines, at `level`, are collected; each must be one JSON object. */
async function appWithLogs (t: Parameters<typeof buildTestApp>[0], dialect: TestDialect, level: string) {
  const text: string[] = []
  const app = await buildTestApp(t, dialect, { LOG_LEVEL: level }, { logStream: { write: (line: string) => { text.push(line) } } })
  const lines = () => text.map((line) => JSON.parse(line) as LogLine)
  const completed = (requestId: string) => lines().filter((line) => line.request_id === requestId && line.msg === 'request completed')
  return { app, text, lines, completed }
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: each request logs one JSON line at info with its id, method, URL, route, status and time`, async (t) => {
    const { app, lines, completed } = await appWithLogs(t, dialect, 'info')
    const token = await loginAs(app)
    const customer = (await app.inject({ method: 'POST', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` }, payload: { name: 'ACME' } })).json()
    const before = lines().length
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/customers/${customer.id}?x=1`,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'lb-7f3a.42:x=y+z/1' }
    })
    t.equal(response.statusCode, 200)
    t.equal(response.headers['x-request-id'], 'lb-7f3a.42:x=y+z/1', 'the caller\'s id comes back')
    t.equal(lines().length, before + 1, 'one line for the request')
    const [line] = completed('lb-7f3a.42:x=y+z/1')
    t.match(line, {
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: `/api/v1/customers/${customer.id}?x=1`, route: '/api/v1/customers/:customer' },
      res: { statusCode: 200 },
      responseTime: Number
    })

    const missing = await app.inject({ method: 'GET', url: '/nowhere' })
    t.equal(missing.statusCode, 404)
    const [unrouted] = completed(String(missing.headers['x-request-id']))
    t.match(unrouted, { req: { method: 'GET', url: '/nowhere' }, res: { statusCode: 404 } })
    t.notOk(unrouted?.req !== undefined && 'route' in unrouted.req, 'no route matched')
  })

  t.test(`${dialect}: an X-Request-Id that is too long or has unsafe characters is replaced by a UUID`, async (t) => {
    const { app, completed } = await appWithLogs(t, dialect, 'info')
    for (const sent of ['a'.repeat(129), 'two words', 'id;drop', 'é', '"quoted"', '{"level":60}']) {
      const response = await app.inject({ method: 'GET', url: '/api/version', headers: { 'x-request-id': sent } })
      const id = String(response.headers['x-request-id'])
      t.match(id, uuid, JSON.stringify(sent))
      t.equal(completed(id).length, 1, 'logged under the new id')
    }
    const fresh = await app.inject({ method: 'GET', url: '/api/version' })
    const again = await app.inject({ method: 'GET', url: '/api/version' })
    t.match(fresh.headers['x-request-id'], uuid, 'made up when none is sent')
    t.not(fresh.headers['x-request-id'], again.headers['x-request-id'])
    t.equal((await app.inject({ method: 'GET', url: '/api/version', headers: { 'x-request-id': 'a'.repeat(128) } })).headers['x-request-id'], 'a'.repeat(128))
  })

  t.test(`${dialect}: errors answered before any route runs carry the request id too`, async (t) => {
    const { app } = await appWithLogs(t, dialect, 'silent')
    const headers = { 'x-request-id': 'trace-1' }
    for (const url of ['/nowhere', '/api/v1/customers', '/api/v1/customers/%zz/services', `/api/version?q=${'x'.repeat(MAX_URL_LENGTH)}`, `/api/v1/customers/${'9'.repeat(201)}`]) {
      const response = await app.inject({ method: 'GET', url, headers })
      t.ok(response.statusCode >= 400, `${url.slice(0, 40)}: ${response.statusCode}`)
      t.equal(response.headers['x-request-id'], 'trace-1', `${url.slice(0, 40)}: ${response.statusCode}`)
    }
  })

  t.test(`${dialect}: no password, token or Authorization header reaches the logs, whichever way they come`, async (t) => {
    const { app, text } = await appWithLogs(t, dialect, 'trace')
    const email = 'ops@example.com'
    await loginAs(app, email)
    const viaQuery = await app.inject({ method: 'POST', url: `/api/login?email=ops%40example.com&password=${encodeURIComponent(testPassword)}` })
    const viaBody = await app.inject({ method: 'POST', url: '/api/login', payload: { email, password: testPassword } })
    const failed = await app.inject({ method: 'POST', url: `/api/login?email=ops%40example.com&password=${encodeURIComponent(testPassword)}x` })
    t.equal(viaQuery.statusCode, 200)
    t.equal(viaBody.statusCode, 200)
    t.equal(failed.statusCode, 401)
    const token = viaQuery.json().token
    await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` } })
    await app.inject({ method: 'GET', url: `/api/v1/customers?token=${token}&access_token=${token}`, headers: { authorization: `Bearer ${token}` } })
    await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: 'Bearer not-a-real-token-but-secret' } })
    // What a future log call might pass: the logger redacts credentials wherever they sit.
    app.log.info({ headers: { authorization: `Bearer ${token}`, cookie: 'session=s3cret' }, body: { password: testPassword }, token }, 'details')
    app.log.info({ user: { credentials: { password: testPassword, token } } }, 'nested')

    const logs = text.join('')
    t.ok(text.length > 10, 'requests were logged')
    t.match(logs, /password=\[redacted\]/)
    t.match(logs, /token=\[redacted\]&access_token=\[redacted\]/)
    for (const secret of [testPassword, token, viaBody.json().token, 'not-a-real-token-but-secret', 's3cret']) {
      t.notOk(logs.includes(secret), `${secret.slice(0, 6)}… is not in the logs`)
    }
    const details = text.map((line) => JSON.parse(line)).find((line) => line.msg === 'details')
    t.same(details.headers, { authorization: '[redacted]', cookie: '[redacted]' })
    t.same(details.body, { password: '[redacted]' })
    t.equal(details.token, '[redacted]')
  })
}
