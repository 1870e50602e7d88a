import t from 'tap'
import { sharedSerializerFactory } from '../../src/serialization.js'

const route = (schema: unknown, url = '/a') => ({ method: 'GET', url, httpStatus: '200', schema })
const message = { type: 'object', properties: { message: { type: 'string' } } }

t.test('equal schemas share one serializer, whatever the route', async (t) => {
  const compile = sharedSerializerFactory()(undefined, {})
  const first = compile(route(message, '/a'))
  t.equal(compile(route(structuredClone(message), '/b')), first)
  t.equal(first({ message: 'hi', secret: 'x' }), '{"message":"hi"}')
})

t.test('different schemas, shared schemas or options get their own', async (t) => {
  const factory = sharedSerializerFactory()
  const plain = factory(undefined, {})(route(message))
  t.not(factory(undefined, {})(route({ ...message, required: ['message'] })), plain)
  const shared = { Thing: { $id: 'Thing', type: 'object', properties: { id: { type: 'integer' } } } }
  t.not(factory(shared, {})(route(message)), plain)
  t.not(factory(undefined, { rounding: 'floor' })(route(message)), plain)
})
