import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { createSpecChecker } from '../helpers/openapi-check.js'
import { buildTestApp } from '../helpers/app.js'

function answer (statusCode: number, body: unknown): LightMyRequestResponse {
  const text = JSON.stringify(body)
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: text, json: () => JSON.parse(text) } as unknown as LightMyRequestResponse
}

t.test('the spec check refuses answers the spec does not describe', async (t) => {
  const app = await buildTestApp(t, 'sqlite')
  const check = createSpecChecker(app.swagger() as never)
  t.doesNotThrow(() => check('GET', '/api/version', answer(200, { version: '1.0.0', status: 'ok' })))
  t.throws(() => check('GET', '/api/version', answer(200, { version: 1, status: 'ok' })), /does not match the spec/)
  t.throws(() => check('GET', '/api/version', answer(200, { version: '1.0.0' })), /does not match the spec/)
  t.throws(() => check('GET', '/api/version', answer(418, { message: 'teapot' })), /a status its spec does not list/)
  t.throws(() => check('GET', '/api/v1/customers/3', answer(404, { detail: 'x' })), /does not match the spec/)
  t.throws(() => check('GET', '/nowhere', answer(404, {})), /does not match the spec/, 'unknown paths answer the shared error shape')
  t.doesNotThrow(() => check('GET', '/nowhere', answer(404, { message: 'The route nowhere could not be found.' })))
})

t.test('the spec and the docs are served without a token', async (t) => {
  const app = await buildTestApp(t, 'sqlite')
  const json = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(json.statusCode, 200)
  t.equal(json.json().openapi, '3.1.0')
  const yaml = await app.inject({ method: 'GET', url: '/openapi.yaml' })
  t.equal(yaml.statusCode, 200)
  t.match(yaml.headers['content-type'], /yaml/)
  t.match(yaml.body, /^openapi: 3\.1\.0/)
  const docs = await app.inject({ method: 'GET', url: '/docs' })
  t.ok(docs.statusCode === 200 || docs.statusCode === 302, `docs: ${docs.statusCode}`)
})
