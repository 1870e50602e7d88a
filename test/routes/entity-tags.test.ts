import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'
import { seedServicesAndCustomer as seed } from '../helpers/seed.js'

const tagOf = async (api: Client, url: string, query = '') => {
  const answer = await api({ method: 'GET', url: `${url}${query}` })
  t.equal(answer.statusCode, 200)
  return answer.headers.etag as string
}

const ids = (rows: Array<{ id: number }>) => rows.map((row) => row.id)

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('the list and the sync answer one strong tag for the whole set, which changes exactly when the set does', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c, d], url } = await seed(api)
      const empty = await tagOf(api, url)
      t.match(empty, /^"[^"]+"$/, 'a strong tag')
      const synced = await api({ method: 'POST', url, payload: { services: [a, b, c] } })
      const tag = synced.headers.etag as string
      t.not(tag, empty)
      t.equal(await tagOf(api, url), tag, 'the list answers the tag the sync gave')
      t.equal(await tagOf(api, url, '?per_page=1&page=2'), tag, 'every page carries the tag of the whole set')
      t.equal(await tagOf(api, url, '?page=9'), tag, 'an empty page past the end too')
      t.equal(await tagOf(api, url, '?filter[key]=nothing'), tag, 'and a filtered page')
      const again = await api({ method: 'POST', url, payload: { services: [c, b, a] } })
      t.equal(again.headers.etag, tag, 'a sync that changes nothing keeps the tag')
      await api({ method: 'PATCH', url: `/api/v1/customer-services/${a}`, payload: { name: 'Renamed' } })
      t.equal(await tagOf(api, url), tag, 'renaming a service does not change the set')
      const changed = await api({ method: 'POST', url, payload: { services: { [a]: { version: '2' }, [b]: {}, [c]: {} } } })
      t.not(changed.headers.etag, tag, 'a version change does')
      t.equal(await tagOf(api, url), changed.headers.etag)
      const other = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Other' } })).json()
      await api({ method: 'POST', url: `/api/v1/customers/${other.id}/services`, payload: { services: [d] } })
      t.equal(await tagOf(api, url), changed.headers.etag, "another customer's changes do not")
    })

    t.test('a sync with If-Match applies only to the set it names; otherwise 412 with the current set', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b, c], url } = await seed(api)
      const first = await api({ method: 'POST', url, payload: { services: [a, b] } })
      const tag = first.headers.etag as string
      // Another operator changes the set meanwhile.
      const theirs = await api({ method: 'POST', url, payload: { services: { [a]: { version: '7' }, [c]: {} } }, headers: { 'if-match': tag } })
      t.equal(theirs.statusCode, 201)
      const mine = await api({ method: 'POST', url, payload: { services: [b] }, headers: { 'if-match': tag, 'x-reason': 'stale' } })
      t.equal(mine.statusCode, 412)
      t.equal(mine.headers.etag, theirs.headers.etag, 'the 412 carries the current tag')
      t.equal(mine.json().message, "The customer's services have changed since you read them.")
      t.same(ids(mine.json().services), [a, c])
      t.equal(mine.json().services[0].pivot.version, '7')
      t.same(ids((await api({ method: 'GET', url })).json().data), [a, c], 'nothing was changed')
      t.notOk((await api({ method: 'GET', url: `${url}/history` })).json().data.some((entry: { reason: string | null }) => entry.reason === 'stale'))

      const cases: Array<[string, number]> = [
        [`W/${theirs.headers.etag as string}`, 412],
        ['"nonsense"', 412],
        ['garbage', 412],
        [`"x", ${theirs.headers.etag as string}`, 201],
        ['*', 201]
      ]
      for (const [header, status] of cases) {
        const answer = await api({ method: 'POST', url, payload: { services: [a, c] }, headers: { 'if-match': header } })
        t.equal(answer.statusCode, status, `If-Match: ${header}`)
      }
      t.equal((await api({ method: 'POST', url: '/api/v1/customers/999999/services', payload: { services: [] }, headers: { 'if-match': '*' } })).statusCode, 404, '* needs the customer to exist')
      const unknown = await api({ method: 'POST', url, payload: { services: [999999] }, headers: { 'if-match': '"stale"' } })
      t.equal(unknown.statusCode, 412, 'the precondition is checked before the service ids')
    })

    t.test('of concurrent syncs sent with the same If-Match exactly one applies', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: all, url } = await seed(api)
      const tag = (await api({ method: 'POST', url, payload: { services: [all[0]] } })).headers.etag as string
      // Each differs from the current set (a sync that changes nothing keeps the tag, and would apply too).
      const sets = [[all[1]], [all[1], all[2]], [all[2], all[3]], all]
      const answers = await Promise.all([...sets, ...sets].map((services) => api({ method: 'POST', url, payload: { services }, headers: { 'if-match': tag } })))
      const applied = answers.filter((answer) => answer.statusCode === 201)
      t.equal(applied.length, 1, answers.map((answer) => answer.statusCode).join(','))
      t.ok(answers.every((answer) => answer.statusCode === 201 || answer.statusCode === 412))
    })

    t.test('PUT and DELETE of one service answer the tag of the set afterwards, which the list then answers', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b], url } = await seed(api)
      const before = await tagOf(api, url)
      const attached = await api({ method: 'PUT', url: `${url}/${a}` })
      t.equal(attached.statusCode, 201)
      t.not(attached.headers.etag, before)
      t.equal(await tagOf(api, url), attached.headers.etag, 'the 201 carries the new tag')
      const updated = await api({ method: 'PUT', url: `${url}/svc-1`, payload: { version: '2' } })
      t.equal(updated.statusCode, 200)
      t.not(updated.headers.etag, attached.headers.etag)
      t.equal(await tagOf(api, url), updated.headers.etag, 'the 200 of a change carries the new tag')
      const unchanged = await api({ method: 'PUT', url: `${url}/${a}`, payload: { version: '2' } })
      t.equal(unchanged.statusCode, 200)
      t.equal(unchanged.headers.etag, updated.headers.etag, 'a PUT that changes nothing keeps the tag')
      await api({ method: 'PUT', url: `${url}/${b}` })
      const detached = await api({ method: 'DELETE', url: `${url}/${a}` })
      t.equal(detached.statusCode, 204)
      t.equal(await tagOf(api, url), detached.headers.etag, 'the 204 carries the new tag')
      const synced = await api({ method: 'POST', url, payload: { services: [b] } })
      t.equal(synced.headers.etag, detached.headers.etag, 'the sync agrees: the set is unchanged')
    })

    for (const method of ['PUT', 'DELETE'] as const) {
      t.test(`a ${method} of one service with If-Match applies only to the set it names; otherwise 412 with the current set`, async (t) => {
        const { app, api } = await setup(t, dialect)
        const { ids: [a, b, c], url } = await seed(api)
        const tag = (await api({ method: 'POST', url, payload: { services: [a, b] } })).headers.etag as string
        // Another operator changes the set meanwhile.
        const theirs = await api({ method: 'POST', url, payload: { services: { [a]: { version: '7' }, [b]: {}, [c]: {} } }, headers: { 'if-match': tag } })
        const current = theirs.headers.etag as string
        const historyRows = async () => (await app.db.selectFrom('assignment_history').select('id').execute()).length
        const rowsBefore = await historyRows()
        const target = method === 'PUT' ? `${url}/svc-4` : `${url}/${b}`

        const stale = await api({ method, url: target, headers: { 'if-match': tag } })
        t.equal(stale.statusCode, 412)
        t.equal(stale.headers.etag, current, 'the 412 carries the current tag')
        t.equal(stale.json().message, "The customer's services have changed since you read them.")
        t.same(ids(stale.json().services), [a, b, c])
        t.equal(stale.json().services[0].pivot.version, '7')
        t.same(ids((await api({ method: 'GET', url })).json().data), [a, b, c], 'nothing was changed')
        t.equal(await historyRows(), rowsBefore, 'no history was written')
        t.equal(await tagOf(api, url), current)

        t.equal((await api({ method, url: target, headers: { 'if-match': `W/${current}` } })).statusCode, 412, 'a weak tag never matches')
        t.equal((await api({ method, url: target, headers: { 'if-match': 'garbage' } })).statusCode, 412)
        const matching = await api({ method, url: target, headers: { 'if-match': `"x", ${current}` } })
        t.equal(matching.statusCode, method === 'PUT' ? 201 : 204, 'the current tag applies it')
        t.equal(await tagOf(api, url), matching.headers.etag)
        const undo = method === 'PUT' ? 'DELETE' : 'PUT'
        t.equal((await api({ method: undo, url: target, headers: { 'if-match': '*' } })).statusCode, method === 'PUT' ? 204 : 201, '* applies any time')
        t.equal((await api({ method, url: target, headers: { 'if-match': '*' } })).statusCode, method === 'PUT' ? 201 : 204)
      })
    }

    t.test('of concurrent single changes sent with the same If-Match exactly one applies', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: all, url } = await seed(api)
      const tag = (await api({ method: 'POST', url, payload: { services: [all[0], all[1]] } })).headers.etag as string
      // Each would change the set.
      const changes = [
        { method: 'PUT' as const, url: `${url}/${all[2] as number}` },
        { method: 'PUT' as const, url: `${url}/${all[3] as number}` },
        { method: 'DELETE' as const, url: `${url}/${all[0] as number}` },
        { method: 'DELETE' as const, url: `${url}/${all[1] as number}` }
      ]
      const answers = await Promise.all([...changes, ...changes].map((change) => api({ ...change, headers: { 'if-match': tag } })))
      const applied = answers.filter((answer) => answer.statusCode === 201 || answer.statusCode === 204)
      t.equal(applied.length, 1, answers.map((answer) => answer.statusCode).join(','))
      t.ok(answers.every((answer) => [201, 204, 412].includes(answer.statusCode)))
    })

    t.test('without If-Match a sync behaves as before', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [a, b], url } = await seed(api)
      await api({ method: 'POST', url, payload: { services: [a] } })
      const answer = await api({ method: 'POST', url, payload: { services: [b] } })
      t.equal(answer.statusCode, 201)
      t.same(answer.json(), { message: 'Services synced successfully.', attached: [b], detached: [a], updated: [] })
    })

    t.test('an answer served from the answer cache carries its tag', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { ids: [a], url } = await seed(api)
      const tag = (await api({ method: 'POST', url, payload: { services: [a] } })).headers.etag
      const first = await api({ method: 'GET', url })
      const hits = app.answerCache?.stats.hits ?? 0
      const second = await api({ method: 'GET', url })
      if (app.answerCache !== null) t.equal(app.answerCache.stats.hits, hits + 1, 'the second answer came from the cache')
      t.equal(first.headers.etag, tag)
      t.equal(second.headers.etag, tag)
      t.equal(second.body, first.body)
    })
  })
}
