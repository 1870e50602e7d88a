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
