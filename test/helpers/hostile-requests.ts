import fc, { type Arbitrary } from 'fast-check'
import { MAX_URL_LENGTH } from '../../src/plugins/limits.js'

/**
 * Requests a hostile or careless client could send to any operation of an OpenAPI
 * document: odd query strings, bodies of every JSON type, broken JSON, wrong content
 * types, bad tokens. Some values stand for data that exists when the request is sent
 * (a record's id or key, a valid token); `resolveRequest` fills them in then, so the
 * same generated request means the same thing whatever the run has created or deleted.
 */

/** Stands for the `index`-th id (or key) in the database when the request is sent. */
export class Existing {
  constructor (readonly kind: 'id' | 'key', readonly index: number) {}
  [fc.toStringMethod] (): string { return `<existing ${this.kind} #${this.index}>` }
}

/** Stands for `Bearer <a token that works>`. */
export class ValidToken {
  [fc.toStringMethod] (): string { return '<valid bearer token>' }
}

export interface RequestTemplate {
  readonly method: string
  /** Path segments, already encoded, or placeholders. */
  readonly path: ReadonlyArray<string | Existing>
  readonly query: string
  readonly authorization: string | ValidToken | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body: { readonly contentType: string | undefined, readonly payload: unknown, readonly encoding: 'json' | 'text' } | undefined
}

export interface ExistingData {
  readonly ids: readonly number[]
  readonly keys: readonly string[]
  readonly token: string
}

interface Schema {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: Schema | boolean
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  enum?: unknown[]
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  maxItems?: number
}

interface Parameter { in: string, name: string, schema?: Schema }

interface Operation {
  parameters?: Parameter[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
}

export interface OpenApiDocument { paths: Record<string, Record<string, Operation>> }

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/** The user whose credentials the generator sometimes sends, so that some logins succeed. */
export const fuzzUser = { email: 'fuzz@example.com', password: 'correct-horse-battery-42' }

const interestingStrings = [
  '', ' ', '0', '-1', '1', '2', '1.5', '1e3', '0x10', '+1', ' 1 ', '007', '2147483647', '2147483648',
  '9007199254740993', '99999999999999999999999999', '-0', 'NaN', 'Infinity', 'null', 'undefined', 'true', 'false',
  '[]', '{}', '[1]', '{"a":1}', "' OR '1'='1", '1; DROP TABLE customers; --', '1 UNION SELECT * FROM users',
  "'); DELETE FROM customer_services; --", '%', '_', '\\', '%_\\', '%25', '%00', '\u0000', '\u0007', '\u001b[31m',
  '\r\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u202e', 'télé', 'TÉLÉPHONIE', 'ß', 'İ', '😀', '\ud800', '\udfff',
  'a'.repeat(101), 'é'.repeat(256), '../../etc/passwd', '__proto__', 'constructor', 'prototype', 'toString',
  '$where', '$' + '{7*7}', '<script>alert(1)</script>', 'name', 'key', 'id', '-id', 'name,key', ',', ',,', '-',
  '--name', 'created_at', '-updated_at,name', 'customer_account', 'support,voip', 'version',
  fuzzUser.email, fuzzUser.password
]

/** Strings of every kind: boundary numbers, SQL, control characters, lone surrogates, any Unicode. */
export const hostileString: Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...interestingStrings) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^-?\d{1,25}(\.\d{1,5})?$/) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'[]%&=,-_\\\'";+# .'), maxLength: 10 }) }
)

/** Any JSON value, weighted towards the odd ones. */
const hostileJson: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2147483648, Number.MAX_SAFE_INTEGER + 2, [], {}, [[]], ''),
  hostileString,
  fc.jsonValue({ maxDepth: 3 })
)

const unreserved = /^[A-Za-z0-9\-._~]$/

/** Percent-encodes UTF-8 bytes (a lone surrogate becomes U+FFFD), keeping the characters in `keep`. */
export function percentEncode (text: string, keep = ''): string {
  let encoded = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte)
    encoded += byte < 0x80 && (unreserved.test(char) || keep.includes(char))
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return encoded
}

/** Some clients encode everything, some leave brackets alone, some send malformed escapes. */
const encodedComponent: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((text) => percentEncode(text)) },
  { weight: 2, arbitrary: hostileString.map((text) => percentEncode(text, '[],')) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%z', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '%ED%A0%80', '%2', '[', ']', '][') }
)

const hostileKeys = [
  'filter', 'filter[]', 'filter[][]', 'filter[name][]', 'filter[name][x]', 'filter[name][0][1]', 'filter[__proto__]',
  'filter[constructor][prototype]', '__proto__', '__proto__[polluted]', 'constructor[prototype][polluted]',
  'sort[]', 'sort[a]', 'page[]', 'page[number]', 'per_page[]', 'a[b][c][d][e][f][g][h][i][j][k]', '[', ']', '[]',
  'a]', 'a[', 'filter]name[', 'filter[name', '', '=', 'FILTER[NAME]', 'filter[ name ]', 'filter[unknown]', 'include',
  'fields[customers]', 'services[]', 'services[0]', 'email[]', 'password[]'
]

function queryKeysOf (operation: Operation): string[] {
  const keys: string[] = []
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in !== 'query') continue
    const properties = Object.keys(parameter.schema?.properties ?? {})
    if (parameter.schema?.type === 'object') keys.push(parameter.name, ...properties.map((name) => `${parameter.name}[${name}]`))
    else keys.push(parameter.name)
  }
  // Some routes read their body's fields from the query string too (the PHP SDK's login).
  keys.push(...Object.keys(bodySchemaOf(operation)?.properties ?? {}))
  return keys
}

/** How long the many values of one parameter may get: the URL must stay under the service's limit to reach a route. */
const LONG_QUERY_LENGTH = MAX_URL_LENGTH - 1024

/**
 * Many values for one parameter, up to LONG_QUERY_LENGTH: a long comma list, the parameter
 * repeated (`key[]=…&key[]=…`, or `key=…` again and again), or repeated with comma lists.
 * SQLite once refused a filter of about 1,000 values (one `or` term each) with a 500.
 */
function manyValues (knownKeys: readonly string[], anyKey: Arbitrary<string>): Arbitrary<string> {
  // Mostly a filter the operation has: a long list elsewhere rarely reaches SQL.
  const bracketed = knownKeys.filter((name) => name.includes('['))
  const key = bracketed.length === 0
    ? anyKey
    : fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...bracketed).map((name) => percentEncode(name, '[]')) }, { weight: 1, arbitrary: anyKey })
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('a', 'A', 'é', 'zz', '%', '_', '\\', ' ', '') },
    { weight: 1, arbitrary: hostileString }
  ).map((text) => percentEncode(text))
  return fc.record({
    name: key,
    values: fc.array(value, { minLength: 1, maxLength: 4 }),
    valuesPerParameter: fc.constantFrom(1, 10, 100, 5000, 5000),
    brackets: fc.constantFrom('', '[]')
  }).map(({ name, values, valuesPerParameter, brackets }) => {
    let query = ''
    for (let index = 0; ; index++) {
      const separator = index % valuesPerParameter !== 0 ? ',' : `${index === 0 ? '' : '&'}${name}${brackets}=`
      const piece = `${separator}${values[index % values.length] as string}`
      if (query.length + piece.length > LONG_QUERY_LENGTH) return query
      query += piece
    }
  })
}

function queryString (knownKeys: readonly string[]): Arbitrary<string> {
  const key = fc.oneof(
    ...(knownKeys.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...knownKeys).map((name) => percentEncode(name, '[]')) }] : []),
    { weight: 1, arbitrary: fc.constantFrom(...hostileKeys).map((name) => percentEncode(name, '[]')) },
    { weight: 1, arbitrary: encodedComponent }
  )
  const pair = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(key, encodedComponent).map(([name, value]) => `${name}=${value}`) },
    { weight: 1, arbitrary: key },
    { weight: 1, arbitrary: manyValues(knownKeys, key) },
    { weight: 1, arbitrary: fc.constantFrom('&', '==', '=x', '&&', '+', '#fragment') }
  )
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'))
}

function bodySchemaOf (operation: Operation): Schema | undefined {
  return operation.requestBody?.content?.['application/json']?.schema
}

function integerFor (schema: Schema): Arbitrary<unknown> {
  const minimum = schema.minimum ?? -(2 ** 31)
  const maximum = schema.maximum ?? 2 ** 31
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat(50).map((index) => new Existing('id', index)) },
    { weight: 2, arbitrary: fc.integer({ min: Math.max(minimum, -1000), max: Math.min(maximum, 1000) }) },
    { weight: 1, arbitrary: fc.constantFrom(minimum - 1, minimum, maximum, maximum + 1, 1.5, 1e21, -0) }
  )
}

function stringFor (schema: Schema): Arbitrary<unknown> {
  const maxLength = schema.maxLength ?? 1000
  const conforming = schema.pattern !== undefined
    ? fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length <= maxLength)
    : schema.format === 'email'
      ? fc.oneof(fc.emailAddress(), fc.constant(fuzzUser.email))
      : fc.oneof(fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: Math.min(maxLength, 20) }), fc.constant(fuzzUser.password))
  return fc.oneof(
    { weight: 6, arbitrary: conforming },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(maxLength), 'x'.repeat(maxLength + 1), '😀'.repeat(maxLength), ' '.repeat(3)) },
    { weight: 1, arbitrary: fc.nat(50).map((index) => new Existing('key', index)) }
  )
}

/** A value shaped like the schema most of the time, and anything at all otherwise. */
function valueFor (schema: Schema | undefined, depth = 0): Arbitrary<unknown> {
  if (schema === undefined || depth > 4) return hostileJson
  return fc.oneof({ weight: 5, arbitrary: conformingValueFor(schema, depth) }, { weight: 1, arbitrary: hostileJson })
}

function conformingValueFor (schema: Schema, depth: number): Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((alternative) => valueFor(alternative, depth + 1)))
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  switch ([schema.type].flat()[0]) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {})
      const known = fc.record(Object.fromEntries(properties.map(([name, property]) => [name, valueFor(property, depth + 1)])), { requiredKeys: [] })
      const additional = typeof schema.additionalProperties === 'object'
        ? fc.dictionary(fc.oneof(fc.nat(20).map(String), hostileString), valueFor(schema.additionalProperties, depth + 1), { maxKeys: 5 })
        : fc.dictionary(hostileString, hostileJson, { maxKeys: 1 })
      return fc.tuple(known, additional).map(([named, extra]) => ({ ...extra, ...named }))
    }
    case 'array': return fc.array(valueFor(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 6, 6) })
    case 'integer': return integerFor(schema)
    case 'number': return fc.double()
    case 'string': return stringFor(schema)
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    default: return hostileJson
  }
}

const contentTypes = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=latin1',
  'application/vnd.api+json', 'application/x-www-form-urlencoded', 'text/plain', 'text/html', 'application/xml',
  'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', 'garbage', ';;', 'application/', ''
]

function bodyFor (operation: Operation): Arbitrary<RequestTemplate['body']> {
  const schema = bodySchemaOf(operation)
  const jsonType = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8')
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: fc.record({ contentType: jsonType, payload: valueFor(schema), encoding: fc.constant('json' as const) }) },
    { weight: 2, arbitrary: fc.record({ contentType: fc.constantFrom(...contentTypes), payload: hostileJson, encoding: fc.constant('json' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        contentType: fc.constantFrom(...contentTypes),
        payload: fc.oneof(
          hostileString,
          queryString(queryKeysOf(operation)),
          fc.constantFrom('{', '{"services": [1, 2', '{"name": "a",}', "{'name': 'a'}", 'null', '"text"', '[1,2,3]', '1e999', '{"a":1}{"b":2}',
            '{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": {"polluted": true}}}', '\ufeff{}', ' \n\t ',
            '['.repeat(100) + ']'.repeat(100), '{"a":'.repeat(80) + '1' + '}'.repeat(80), `{"name": "${'x'.repeat(2000)}"}`)
        ),
        encoding: fc.constant('text' as const)
      })
    }
  )
}

const authorization: Arbitrary<string | ValidToken | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(new ValidToken()) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'a'.repeat(300), 'Bearer null', 'Token abc'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((text) => `Bearer ${text}`)
    )
  }
)

/** Header values a real HTTP client can send: printable ASCII and Latin-1, no line breaks. */
const headerValue = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((code) => String.fromCharCode(code)), maxLength: 80 })

const extraHeaders: Arbitrary<Record<string, string>> = fc.record({
  'x-request-id': fc.oneof(headerValue, fc.uuid(), fc.constantFrom('a'.repeat(129), '../../x', 'req-1')),
  accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml', ''),
  'x-forwarded-host': headerValue,
  'x-forwarded-proto': fc.constantFrom('https', 'gopher', ''),
  'x-http-method-override': fc.constantFrom(...methods),
  // Mostly fresh keys, so that requests still reach the routes; some reused, some invalid.
  'idempotency-key': fc.oneof(
    { weight: 4, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('retry-1', 'retry-2', '', 'x'.repeat(256), ' ') },
    { weight: 1, arbitrary: headerValue }
  )
}, { requiredKeys: [] })

function pathValueFor (parameter: Parameter | undefined): Arbitrary<string | Existing> {
  const kind = parameter?.schema?.type === 'integer' ? 'id' : 'key'
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat(50).map((index) => new Existing(kind, index)) },
    { weight: 1, arbitrary: fc.nat(50).map((index) => new Existing(kind === 'id' ? 'key' : 'id', index)) },
    { weight: 3, arbitrary: encodedComponent },
    { weight: 1, arbitrary: fc.constantFrom('a'.repeat(201), '..', '.', '', '%2F', '%2e%2e', ';', '1;2') }
  )
}

function operationRequest (path: string, method: string, operation: Operation): Arbitrary<RequestTemplate> {
  const parameters = new Map((operation.parameters ?? []).filter((parameter) => parameter.in === 'path').map((parameter) => [parameter.name, parameter]))
  const segments = path.split('/').slice(1).map((segment) => {
    const name = /^\{(\w+)\}$/.exec(segment)?.[1]
    return name === undefined ? fc.constant(segment) : pathValueFor(parameters.get(name))
  })
  return fc.record({
    method: fc.oneof({ weight: 6, arbitrary: fc.constant(method.toUpperCase()) }, { weight: 1, arbitrary: fc.constantFrom(...methods) }),
    path: fc.tuple(...segments),
    query: queryString(queryKeysOf(operation)),
    authorization,
    headers: extraHeaders,
    body: bodyFor(operation)
  })
}

/** Paths no route has, near the real ones. */
const unknownRoute: Arbitrary<RequestTemplate> = fc.record({
  method: fc.constantFrom(...methods),
  path: fc.tuple(fc.constantFrom('', 'api', 'api/v1', 'api/v1/customers', 'api/v2'), fc.array(encodedComponent, { maxLength: 3 }))
    .map(([prefix, rest]) => [...prefix.split('/').filter(Boolean), ...rest]),
  query: queryString([]),
  authorization,
  headers: extraHeaders,
  body: bodyFor({})
})

/** Requests to every operation of the document, and to paths near them. */
export function hostileRequests (document: OpenApiDocument): Arbitrary<RequestTemplate> {
  const operations = Object.entries(document.paths).flatMap(([path, pathItem]) =>
    Object.entries(pathItem).map(([method, operation]) => operationRequest(path, method, operation)))
  return fc.oneof({ weight: 12, arbitrary: fc.oneof(...operations) }, { weight: 1, arbitrary: unknownRoute })
}

function resolveValue (value: unknown, data: ExistingData): unknown {
  if (value instanceof Existing) return existingValue(value, data)
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, data))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveValue(item, data)]))
  }
  return value
}

function existingValue (placeholder: Existing, data: ExistingData): string | number {
  const pool = placeholder.kind === 'id' ? data.ids : data.keys
  return pool.length === 0 ? 1 : pool[placeholder.index % pool.length] as string | number
}

/** The request to send, with the data that exists now in place of the placeholders. */
export function resolveRequest (template: RequestTemplate, data: ExistingData) {
  const path = template.path.map((segment) => segment instanceof Existing ? percentEncode(String(existingValue(segment, data))) : segment)
  const headers: Record<string, string> = { ...template.headers }
  if (template.authorization !== undefined) {
    headers.authorization = template.authorization instanceof ValidToken ? `Bearer ${data.token}` : template.authorization
  }
  let payload: string | undefined
  if (template.body !== undefined) {
    if (template.body.contentType !== undefined) headers['content-type'] = template.body.contentType
    payload = template.body.encoding === 'json'
      ? JSON.stringify(resolveValue(template.body.payload, data)) ?? ''
      : String(template.body.payload)
  }
  return {
    method: template.method as typeof methods[number],
    url: `/${path.join('/')}${template.query === '' ? '' : `?${template.query}`}`,
    headers,
    ...(payload !== undefined && { payload })
  }
}
