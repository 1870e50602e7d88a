import t from 'tap'
import { setup, testDialects } from '../helpers/app.js'

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const { app, api } = await setup(t, dialect)

    t.test('an unknown route is a JSON 404 naming the path, before authentication', async (t) => {
      const response = await app.inject({ method: 'GET', url: '/api/v1/foo' })
      t.equal(response.statusCode, 404)
      t.same(response.json(), { message: 'The route api/v1/foo could not be found.' })
      t.same((await app.inject({ method: 'GET', url: '/' })).json(), { message: 'The route / could not be found.' })
    })

    t.test('a wrong method is a 405 with an Allow header, before authentication', async (t) => {
      const response = await app.inject({ method: 'PUT', url: '/api/v1/customer-services' })
      t.equal(response.statusCode, 405)
      t.equal(response.headers.allow, 'GET, HEAD, POST')
      t.same(response.json(), { message: 'The PUT method is not supported for route api/v1/customer-services. Supported methods: GET, HEAD, POST.' })
      const item = await app.inject({ method: 'POST', url: '/api/v1/customers/12/services/voip' })
      t.equal(item.statusCode, 405)
      t.equal(item.headers.allow, 'GET, HEAD, PUT, DELETE')
      t.equal((await app.inject({ method: 'GET', url: '/api/login' })).statusCode, 405)
    })

    t.test('GET routes answer HEAD, and a trailing slash is ignored', async (t) => {
      const head = await api({ method: 'HEAD', url: '/api/v1/customer-services' })
      t.equal(head.statusCode, 200)
      t.equal(head.body, '')
      t.equal((await api({ method: 'GET', url: '/api/v1/customer-services/' })).statusCode, 200)
    })

    t.test('precedence: 401 before 404 before 422', async (t) => {
      const anonymous = await app.inject({ method: 'POST', url: '/api/v1/customers/999/services', payload: { services: 'x' } })
      t.equal(anonymous.statusCode, 401)
      const missing = await api({ method: 'POST', url: '/api/v1/customers/999/services', payload: { services: 'x' } })
      t.equal(missing.statusCode, 404)
    })

    t.test('input no client should send still gets a clear 4xx', async (t) => {
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const url = `/api/v1/customers/${customer.id}/services`
      const huge = await api({ method: 'POST', url, payload: { services: [Number.MAX_SAFE_INTEGER, 1e300] } })
      t.equal(huge.statusCode, 422)
      const nul = await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'A\u0000B' } })
      t.equal(nul.statusCode, 400)
      t.same(nul.json(), { message: 'The request must not contain NUL characters.' })
      t.equal((await api({ method: 'GET', url: '/api/v1/customer-services?filter[name]=a%00b' })).statusCode, 400)
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/a%00b` })).statusCode, 400)
      const nested = '{"services":' + '['.repeat(5000) + ']'.repeat(5000) + '}'
      const deep = await api({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: nested })
      t.equal(deep.statusCode, 400)
      t.same(deep.json(), { message: 'The request body is nested more than 64 levels deep.' })
      const big = await api({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ services: [], pad: 'x'.repeat(1024 * 1024) }) })
      t.equal(big.statusCode, 413)
      t.type(big.json().message, 'string')
      const odd = await api({ method: 'GET', url: '/api/v1/customer-services?filter[name][a][b][c]=1&sort[]=name&page[x]=1&per_page=1e9' })
      t.equal(odd.statusCode, 200)
      const text = await api({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'services=1' })
      t.equal(text.statusCode, 415)
      t.type(text.json().message, 'string')
      const proto = await api({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"services":[],"__proto__":{"x":1}}' })
      t.equal(proto.statusCode, 400)
    })

    t.test('a body sent where none is read is still refused with a status the spec lists', async (t) => {
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const unsupported = await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}`, headers: { 'content-type': 'text/html' }, payload: '<p>' })
      t.equal(unsupported.statusCode, 415)
      t.type(unsupported.json().message, 'string')
      const malformed = await api({ method: 'POST', url: '/api/logout', headers: { 'content-type': 'application/json' }, payload: '{' })
      t.equal(malformed.statusCode, 400)
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}` })).statusCode, 200, 'nothing was deleted')
    })

    t.test('form-encoded bodies are read with PHP bracket notation', async (t) => {
      const response = await api({ method: 'POST', url: '/api/v1/customers', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=%20Form%20Co%20' })
      t.equal(response.statusCode, 201)
      t.equal(response.json().name, 'Form Co')
    })

    t.test('a server error says "Server Error" and leaks nothing', async (t) => {
      const { buildTestApp } = await import('../helpers/app.js')
      const broken = await buildTestApp(t, dialect)
      const { loginAs, clientFor } = await import('../helpers/app.js')
      const client = clientFor(broken, await loginAs(broken))
      const { sql } = await import('kysely')
      await sql`drop table customer_customer_service`.execute(broken.db)
      // Routes that do not read the broken table still answer as usual.
      const response = await client({ method: 'GET', url: '/api/v1/customers/1' })
      t.equal(response.statusCode, 404)
      const customer = (await client({ method: 'POST', url: '/api/v1/customers', payload: { name: 'x' } })).json()
      const failing = await client({ method: 'GET', url: `/api/v1/customers/${customer.id}/services` })
      t.equal(failing.statusCode, 500)
      t.same(failing.json(), { message: 'Server Error' })
    })
  })
}
