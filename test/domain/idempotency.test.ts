import t from 'tap'
import { canonicalJson, headersToReplay, IDEMPOTENCY_LEASE_MS, isStorableStatus, judgeRecord } from '../../src/domain/idempotency.js'

t.test('successes and client errors are kept; server errors, timeouts and rate limits are not', async (t) => {
  t.same([200, 201, 204, 400, 404, 409, 422].map(isStorableStatus), [true, true, true, true, true, true, true])
  t.same([100, 304, 408, 429, 500, 503].map(isStorableStatus), [false, false, false, false, false, false])
})

t.test('only the headers that belong to the answer are replayed', async (t) => {
  t.same(headersToReplay({
    'content-type': 'application/json; charset=utf-8',
    location: '/api/v1/customers/1',
    etag: '"abc"',
    'x-ratelimit-remaining': 59,
    'x-request-id': 'r-1',
    'content-length': 12
  }), { 'content-type': 'application/json; charset=utf-8', location: '/api/v1/customers/1', etag: '"abc"' })
})

t.test('a recorded key is judged by expiry, then fingerprint, then state', async (t) => {
  const now = new Date('2026-05-01T10:00:00.000Z')
  const ago = (ms: number) => new Date(now.getTime() - ms)
  const record = { fingerprint: 'f', status: 201, createdAt: ago(1000), expiresAt: ago(-1000), applied: false }
  const f = { canonical: 'f', asSent: 'f0' }
  const g = { canonical: 'g', asSent: 'g0' }
  t.equal(judgeRecord(record, f, now), 'replay')
  t.equal(judgeRecord(record, g, now), 'mismatch')
  t.equal(judgeRecord({ ...record, expiresAt: now }, g, now), 'expired', 'an expired record counts as absent, whatever it held')
  t.equal(judgeRecord({ ...record, status: null }, f, now), 'in_progress')
  t.equal(judgeRecord({ ...record, status: null }, g, now), 'mismatch')
  t.equal(judgeRecord({ ...record, status: null, createdAt: ago(IDEMPOTENCY_LEASE_MS - 1) }, f, now), 'in_progress')
  t.equal(judgeRecord({ ...record, status: null, createdAt: ago(IDEMPOTENCY_LEASE_MS) }, f, now), 'abandoned')
  t.equal(judgeRecord({ ...record, status: null, applied: true, createdAt: ago(IDEMPOTENCY_LEASE_MS - 1) }, f, now), 'in_progress')
  t.equal(judgeRecord({ ...record, status: null, applied: true, createdAt: ago(IDEMPOTENCY_LEASE_MS) }, f, now), 'answer_lost',
    'a claim past its lease whose writes committed is never run again')
})

t.test('a record written before requests were compared by their parameters matches the request as sent', async (t) => {
  const now = new Date('2026-05-01T10:00:00.000Z')
  const record = { fingerprint: 'bytes', status: 201, createdAt: now, expiresAt: new Date(now.getTime() + 1000), applied: false }
  t.equal(judgeRecord(record, { canonical: 'parameters', asSent: 'bytes' }, now), 'replay')
  t.equal(judgeRecord(record, { canonical: 'parameters', asSent: 'other bytes' }, now), 'mismatch')
})

t.test('canonical JSON: the same parameters give the same text, whatever the key order; array order counts', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [2, { z: null, y: 'x' }], c: true } }), '{"a":{"c":true,"d":[2,{"y":"x","z":null}]},"b":1}')
  t.equal(canonicalJson({ name: 'ACME', services: [1, 2] }), canonicalJson(JSON.parse('{ "services" : [ 1 , 2 ] , "name" : "ACME" }')))
  t.not(canonicalJson([1, 2]), canonicalJson([2, 1]))
  t.not(canonicalJson({ a: '1' }), canonicalJson({ a: 1 }), 'a string is not a number')
  t.equal(canonicalJson({ 10: 'x', 9: 'y', é: 1, e: 2 }), '{"10":"x","9":"y","e":2,"é":1}', 'keys sorted as strings, by code unit')
  t.equal(canonicalJson('a "quoted" \\ text'), JSON.stringify('a "quoted" \\ text'))
  t.equal(canonicalJson(undefined), 'null')
})
