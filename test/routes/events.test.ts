import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { appendEvents } from '../../src/db/queries/change-log.js'
import { inTransaction } from '../../src/db/transaction.js'
import { buildTestApp, clientFor, freshPostgresUrl, loginAs, setup, testDialects, type Client } from '../helpers/app.js'

interface Event {
  id: string
  type: string
  occurred_at: string
  data: Record<string, unknown>
}

const read = async (api: Client, query = '') => {
  const answer = await api({ method: 'GET', url: `/api/v1/events${query}` })
  if (answer.statusCode !== 200) throw new Error(answer.body)
  return answer.json() as { data: Event[], next_cursor: string }
}

/** Every event after `cursor`, following `next_cursor` page by page. */
async function readAll (api: Client, cursor = '0', limit = 1000): Promise<Event[]> {
  const events: Event[] = []
  for (;;) {
    const page = await read(api, `?after=${cursor}&limit=${limit}`)
    events.push(...page.data)
    if (page.data.length === 0) return events
    cursor = page.next_cursor
  }
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('every committed change appends an event, in order, with the change as data', async (t) => {
      const { api } = await setup(t, dialect)
      const a = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'svc-a', name: 'A' }, headers: { 'x-reason': 'launch' } })).json()
      const b = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'svc-b', name: 'B' } })).json()
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      await api({ method: 'PATCH', url: `/api/v1/customers/${customer.id}`, payload: { name: 'ACME SAS' } })
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: { [a.id]: { version: '1' } } } })
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: { [a.id]: { version: '2' }, [b.id]: {} } } })
      await api({ method: 'PATCH', url: `/api/v1/customer-services/${b.id}`, payload: { name: 'B2' } })
      await api({ method: 'DELETE', url: `/api/v1/customers/${customer.id}` })
      await api({ method: 'DELETE', url: `/api/v1/customer-services/${b.id}` })

      const events = await readAll(api)
      t.same(events.map((event) => event.type), [
        'customer_service.created', 'customer_service.created', 'customer.created', 'customer.updated',
        'assignment.attached', 'assignment.updated', 'assignment.attached', 'customer_service.updated',
        'assignment.detached', 'assignment.detached', 'customer.deleted', 'customer_service.deleted'
      ])
      t.same(events.map((event) => Number(event.id)), [...events.map((event) => Number(event.id))].sort((x, y) => x - y), 'in id order')
      t.match(events[0], { data: { customer_service: { id: a.id, key: 'svc-a', name: 'A' }, reason: 'launch' } })
      t.notOk('customers_count' in (events[0]?.data.customer_service as object))
      t.match(events[3], { data: { customer: { id: customer.id, name: 'ACME SAS', customer_account: customer.customer_account } } })
      t.match(events[5], {
        data: { customer_id: customer.id, customer_service_id: a.id, service_key: 'svc-a', before: { version: '1' }, after: { version: '2' }, reason: null }
      })
      t.match(events[9], { data: { customer_service_id: b.id, before: { version: null }, after: null } })
      t.match(events[10], { data: { customer: { id: customer.id, name: 'ACME SAS' } } })
      t.match(events[11], { data: { customer_service: { id: b.id, name: 'B2' } } })
      t.ok(events.every((event) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(event.occurred_at)))
      t.ok(events.every((event) => typeof event.data.user_id === 'number' && typeof event.data.token_id === 'number'))
    })

    t.test('the cursor pages through the events; an empty page keeps the cursor', async (t) => {
      const { api } = await setup(t, dialect)
      for (let i = 0; i < 7; i++) await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })
      const all = (await read(api)).data
      t.equal(all.length, 7, 'without a cursor, from the first event')
      const first = await read(api, '?limit=3')
      t.same(first.data, all.slice(0, 3))
      t.equal(first.next_cursor, all[2]?.id)
      const second = await read(api, `?after=${first.next_cursor}&limit=3`)
      t.same(second.data, all.slice(3, 6))
      const third = await read(api, `?after=${second.next_cursor}&limit=3`)
      t.same(third.data, all.slice(6))
      const end = await read(api, `?after=${third.next_cursor}&limit=3`)
      t.same(end, { data: [], next_cursor: third.next_cursor })
      t.equal((await read(api, '?after=0&limit=1000')).data.length, 7, 'after=0 is from the start; 1000 a limit')
      t.equal((await read(api, '?after=&limit=')).data.length, 7, 'empty values are no values')
      for (const after of ['-1', 'abc', '1.5', '1e3', '12345678901234567']) {
        const answer = await api({ method: 'GET', url: `/api/v1/events?after=${after}` })
        t.equal(answer.statusCode, 422, `after=${after}`)
        t.same(answer.json(), { message: 'The after field format is invalid.', errors: { after: ['The after field format is invalid.'] } })
      }
      t.equal((await api({ method: 'GET', url: '/api/v1/events', headers: { authorization: '' } })).statusCode, 401)
      t.equal((await api({ method: 'POST', url: '/api/v1/events' })).statusCode, 405, 'events are read-only')
    })

    t.test('a cursor the feed never issued, or a limit outside 1 to 1000, is a 422 naming the field', async (t) => {
      const { api } = await setup(t, dialect)
      const refused = async (query: string) => {
        const answer = await api({ method: 'GET', url: `/api/v1/events?${query}` })
        t.equal(answer.statusCode, 422, query)
        return answer.json()
      }
      t.same(await refused('after=1'), {
        message: 'The after field must be a cursor this feed issued: the newest event is 0.',
        errors: { after: ['The after field must be a cursor this feed issued: the newest event is 0.'] }
      }, 'no event yet: only 0 was ever issued')
      for (let i = 0; i < 3; i++) await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })
      const newest = (await read(api)).next_cursor
      t.same(await read(api, `?after=${newest}`), { data: [], next_cursor: newest }, 'the newest id is a cursor: an empty page')
      const beyond = `${Number(newest) + 1}`
      t.same(await refused(`after=${beyond}`), {
        message: `The after field must be a cursor this feed issued: the newest event is ${newest}.`,
        errors: { after: [`The after field must be a cursor this feed issued: the newest event is ${newest}.`] }
      })
      t.same((await refused('after=999999999')).errors, { after: [`The after field must be a cursor this feed issued: the newest event is ${newest}.`] })
      for (const query of ['after[]=1', 'after[]=1&after[]=2', 'after[x]=1']) {
        t.same(await refused(query), { message: 'The after field must be a string.', errors: { after: ['The after field must be a string.'] } })
      }
      const limits: Array<[string, string]> = [
        ['0', 'The limit field must be at least 1.'],
        ['-5', 'The limit field must be at least 1.'],
        ['1001', 'The limit field must not be greater than 1000.'],
        ['100000', 'The limit field must not be greater than 1000.'],
        ['abc', 'The limit field must be an integer.'],
        ['1.5', 'The limit field must be an integer.']
      ]
      for (const [limit, message] of limits) {
        t.same(await refused(`limit=${limit}`), { message, errors: { limit: [message] } })
      }
      t.same(await refused('limit[]=3'), { message: 'The limit field must be an integer.', errors: { limit: ['The limit field must be an integer.'] } })
      t.equal((await read(api, '?limit=1')).data.length, 1)
    })

    t.test('a change that fails appends no event', async (t) => {
      const { api } = await setup(t, dialect)
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const before = await readAll(api)
      t.equal((await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [424242] } })).statusCode, 422)
      t.equal((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'Bad Key', name: 'x' } })).statusCode, 422)
      const svc = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'svc', name: 'S' } })).json()
      t.equal((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'svc', name: 'Again' } })).statusCode, 422)
      await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [svc.id] } })
      t.equal((await api({ method: 'DELETE', url: `/api/v1/customer-services/${svc.id}` })).statusCode, 409)
      const after = await readAll(api, before.at(-1)?.id)
      t.same(after.map((event) => event.type), ['customer_service.created', 'assignment.attached'])
    })
  })
}

t.test('postgres: a reader polling during concurrent writes sees every event once, in order, never one behind its cursor', { skip: testDialects().includes('postgres') ? false : 'no TEST_DATABASE_URL' }, async (t) => {
  const url = await freshPostgresUrl(t)
  const writerApp = await buildTestApp(t, 'postgres', { DATABASE_URL: url })
  const readerApp = await buildTestApp(t, 'postgres', { DATABASE_URL: url })
  const token = await loginAs(writerApp)
  const writer = clientFor(writerApp, token)
  const reader = clientFor(readerApp, token)
  const services: number[] = []
  for (let i = 0; i < 6; i++) {
    services.push((await writer({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `S${i}` } })).json().id)
  }
  const customers: number[] = []
  for (let i = 0; i < 8; i++) customers.push((await writer({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)
  const start = (await read(reader, '?limit=1000')).next_cursor

  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(() => admin.end())

  let writing = true
  const following = follow(reader, start, () => !writing)

  const rounds = 12
  let expected = 0
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all(customers.map((customer, i) => writer({
      method: 'POST',
      url: `/api/v1/customers/${customer}/services`,
      payload: { services: services.filter((_, j) => (i + j + round) % 3 !== 0) }
    })))
    for (const answer of answers) {
      t.equal(answer.statusCode, 201)
      const body = answer.json()
      expected += body.attached.length + body.detached.length + body.updated.length
    }
  }
  writing = false
  const { seen, violations } = await following

  const { rows } = await admin.query<{ id: string }>('select id::text as id from change_events where change_events.id > $1 order by change_events.id', [start])
  t.equal(violations, 0, 'no event appeared at or behind the cursor')
  t.equal(seen.length, expected, 'one event per change')
  t.same(seen, rows.map((row) => row.id), 'every committed event, once, in order')
})

/** Reads events with the cursor until `done()` and nothing more is left; counts any id at or behind the cursor. */
async function follow (api: Client, start: string, done: () => boolean) {
  const seen: string[] = []
  let violations = 0
  let cursor = start
  for (;;) {
    const finished = done()
    const page = await read(api, `?after=${cursor}&limit=1000`)
    for (const event of page.data) {
      if (BigInt(event.id) <= BigInt(cursor)) violations++
      seen.push(event.id)
    }
    cursor = page.next_cursor
    if (finished && page.data.length === 0) return { seen, violations }
  }
}

t.test('postgres: events appended by transactions that commit slowly and out of step are read once each, in order', { skip: testDialects().includes('postgres') ? false : 'no TEST_DATABASE_URL' }, async (t) => {
  const url = await freshPostgresUrl(t)
  const writerApp = await buildTestApp(t, 'postgres', { DATABASE_URL: url })
  const readerApp = await buildTestApp(t, 'postgres', { DATABASE_URL: url })
  const reader = clientFor(readerApp, await loginAs(readerApp))
  const start = (await read(reader, '?limit=1000')).next_cursor

  // Ten writers, each appending in transactions that go on a random while after the
  // append: without the outbox lock, a later id would often commit before an earlier one.
  let writing = true
  const following = follow(reader, start, () => !writing)
  const written: number[] = []
  await Promise.all(Array.from({ length: 10 }, async (_, writer) => {
    for (let i = 0; i < 15; i++) {
      await inTransaction(writerApp.db, async (trx) => {
        await sql`select pg_sleep(random() * 0.004)`.execute(trx)
        await appendEvents(trx, [{ type: 'test.event', payload: { writer, i } }], new Date())
        await sql`select pg_sleep(random() * 0.004)`.execute(trx)
      })
      written.push(writer)
    }
  }))
  writing = false
  const { seen, violations } = await following
  t.equal(written.length, 150)
  t.equal(violations, 0, 'no event appeared at or behind the cursor')
  const all = (await read(reader, `?after=${start}&limit=1000`)).data.map((event) => event.id)
  t.equal(all.length, 150)
  t.same(seen, all, 'the follower read every event once, in order')
})
