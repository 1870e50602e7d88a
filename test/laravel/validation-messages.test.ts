import t from 'tap'
import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import { Type, type TSchema } from 'typebox'
import { joinErrorBags, laravelErrorBag, summarizeErrors } from '../../src/laravel/validation-messages.js'
import { SyncBody } from '../../src/schemas/assignment.js'
import { CreateCustomerServiceBody } from '../../src/schemas/customer-service.js'

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false })
addFormats.default(ajv)

function errorsOf (schema: TSchema, body: unknown): ErrorObject[] {
  const validate = ajv.compile(schema)
  if (validate(body)) return []
  return validate.errors ?? []
}

const bagOf = (schema: TSchema, body: unknown) => laravelErrorBag(errorsOf(schema, body))

const validService = { key: 'support.premium', name: 'Premium support' }

t.test('valid bodies give no errors', async (t) => {
  t.same(errorsOf(SyncBody, { services: [1, 3, 7] }), [])
  t.same(errorsOf(SyncBody, { services: { 1: {}, 3: { version: '1.1.0' }, 4: { version: null }, 5: [] } }), [])
  t.same(errorsOf(SyncBody, { services: [] }), [])
  t.same(errorsOf(SyncBody, { services: {} }), [])
  t.same(errorsOf(CreateCustomerServiceBody, { ...validService, description: null, can_be_enabled: '1' }), [])
  t.same(laravelErrorBag([]), {})
})

t.test('a missing services field is required', async (t) => {
  t.same(bagOf(SyncBody, {}), { services: ['The services field is required.'] })
})

t.test('a null services field is required', async (t) => {
  t.same(bagOf(SyncBody, { services: null }), { services: ['The services field is required.'] })
})

t.test('services that is neither a list nor a keyed object must be an array', async (t) => {
  t.same(bagOf(SyncBody, { services: 'x' }), { services: ['The services field must be an array.'] })
  t.same(bagOf(SyncBody, { services: 5 }), { services: ['The services field must be an array.'] })
  t.same(bagOf(SyncBody, { services: true }), { services: ['The services field must be an array.'] })
})

t.test('the schema leaves each id to the route, which reads them as Laravel does (test/laravel/sync-request.test.ts)', async (t) => {
  t.same(errorsOf(SyncBody, { services: [1, 'a', 1.5, {}, true, null] }), [])
  t.same(errorsOf(SyncBody, { services: { abc: {}, '+1': {} } }), [])
})

t.test('a non-string version in the keyed form is named by its path', async (t) => {
  t.same(bagOf(SyncBody, { services: { 3: { version: 5 } } }), {
    'services.3.version': ['The services.3.version field must be a string.']
  })
})

t.test('a version longer than 50 characters is refused', async (t) => {
  t.same(bagOf(SyncBody, { services: { 3: { version: 'v'.repeat(51) } } }), {
    'services.3.version': ['The services.3.version field must not be greater than 50 characters.']
  })
  t.same(errorsOf(SyncBody, { services: { 3: { version: 'v'.repeat(50) } } }), [])
})

t.test('more than 1000 ids are refused, in either form', async (t) => {
  const ids = Array.from({ length: 1001 }, (_, index) => index + 1)
  t.same(bagOf(SyncBody, { services: ids }), { services: ['The services field must not have more than 1000 items.'] })
  const keyed = Object.fromEntries(ids.map((id) => [String(id), {}]))
  t.same(bagOf(SyncBody, { services: keyed }), { services: ['The services field must not have more than 1000 items.'] })
  t.same(errorsOf(SyncBody, { services: ids.slice(0, 1000) }), [])
})

t.test('a null required string is required, not a type error', async (t) => {
  t.same(bagOf(CreateCustomerServiceBody, { ...validService, name: null }), { name: ['The name field is required.'] })
})

t.test('an empty name is required', async (t) => {
  t.same(bagOf(CreateCustomerServiceBody, { ...validService, name: '' }), { name: ['The name field is required.'] })
})

t.test('every missing field of the catalog entry is reported, in schema order', async (t) => {
  const bag = bagOf(CreateCustomerServiceBody, {})
  t.same(bag, {
    key: ['The key field is required.'],
    name: ['The name field is required.']
  })
})

t.test('a key outside its pattern has an invalid format', async (t) => {
  t.same(bagOf(CreateCustomerServiceBody, { ...validService, key: 'Not A Key' }), {
    key: ['The key field format is invalid.']
  })
})

t.test('a name over 255 characters is too long', async (t) => {
  t.same(bagOf(CreateCustomerServiceBody, { ...validService, name: 'n'.repeat(256) }), {
    name: ['The name field must not be greater than 255 characters.']
  })
})

t.test('a number where a string is expected must be a string', async (t) => {
  t.same(bagOf(CreateCustomerServiceBody, { ...validService, description: 123 }), {
    description: ['The description field must be a string.']
  })
})

t.test("a value that is not a boolean gets Laravel's boolean message, underscores read as spaces", async (t) => {
  t.same(bagOf(CreateCustomerServiceBody, { ...validService, can_be_enabled: 'yes' }), {
    can_be_enabled: ['The can be enabled field must be true or false.']
  })
})

t.test('a plain boolean type mismatch gets the boolean message', async (t) => {
  t.same(bagOf(Type.Object({ active: Type.Boolean() }), { active: 'yes' }), {
    active: ['The active field must be true or false.']
  })
})

t.test('an invalid email gets the email message', async (t) => {
  t.same(bagOf(Type.Object({ email: Type.String({ format: 'email' }) }), { email: 'nope' }), {
    email: ['The email field must be a valid email address.']
  })
})

t.test('numeric bounds and item counts use the limits of the schema', async (t) => {
  const schema = Type.Object({
    age: Type.Integer({ minimum: 18, maximum: 99 }),
    tags: Type.Array(Type.String(), { minItems: 2 }),
    code: Type.String({ minLength: 3 })
  })
  t.same(bagOf(schema, { age: 10, tags: ['a'], code: 'ab' }), {
    age: ['The age field must be at least 18.'],
    tags: ['The tags field must have at least 2 items.'],
    code: ['The code field must be at least 3 characters.']
  })
  t.same(bagOf(schema, { age: 100, tags: ['a', 'b'], code: 'abc' }), {
    age: ['The age field must not be greater than 99.']
  })
})

t.test('one field gets each distinct message once', async (t) => {
  const error: ErrorObject = {
    keyword: 'required', instancePath: '', schemaPath: '#/required', params: { missingProperty: 'name' }
  }
  t.same(laravelErrorBag([error, { ...error }]), { name: ['The name field is required.'] })
})

t.test('the summary is the only message when there is one', async (t) => {
  t.equal(summarizeErrors({ services: ['The services field is required.'] }), 'The services field is required.')
})

t.test('the summary counts one more error in the singular', async (t) => {
  t.equal(summarizeErrors({
    key: ['The key field is required.'],
    name: ['The name field is required.']
  }), 'The key field is required. (and 1 more error)')
})

t.test('the summary counts every other message, across and within fields', async (t) => {
  t.equal(summarizeErrors({
    key: ['The key field is required.'],
    name: ['The name field is required.', 'The name field must be a string.'],
    'services.0': ['The services.0 field must be an integer.']
  }), 'The key field is required. (and 3 more errors)')
})

t.test('an empty error bag still gives a message', async (t) => {
  t.equal(summarizeErrors({}), 'The given data was invalid.')
})

t.test('joined bags keep the order fields were first met, and every message of a field in both', async (t) => {
  const joined = joinErrorBags(
    { 'services.1': ['The selected services.1 is invalid.'], 'services.5': ['The selected services.5 is invalid.'] },
    { 'services.5': ['The services.5 field must be an array.'], 'services.0.version': ['The services.0.version field must be a string.'] }
  )
  t.same(Object.keys(joined), ['services.1', 'services.5', 'services.0.version'])
  t.same(joined['services.5'], ['The selected services.5 is invalid.', 'The services.5 field must be an array.'])
})
