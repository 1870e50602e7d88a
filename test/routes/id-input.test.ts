import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'

async function seed (api: Client) {
  const post = async (url: string, payload: object) => (await api({ method: 'POST', url, payload })).json()
  const ids: number[] = []
  for (let i = 1; i <= 3; i++) ids.push((await post('/api/v1/customer-services', { key: `svc-${i}`, name: `Service ${i}` })).id)
  const customers: number[] = []
  for (let i = 1; i <= 2; i++) customers.push((await post('/api/v1/customers', { name: `Customer ${i}` })).id)
  return { ids, customers, syncUrl: `/api/v1/customers/${customers[0]}/services`, bulkUrl: `/api/v1/customer-services/${ids[0]}/customers` }
}

const assignmentRows = async (app: FastifyInstance) =>
  await app.db.selectFrom('customer_customer_service').select(['customer_id', 'customer_service_id', 'version'])
    .orderBy('customer_id').orderBy('customer_service_id').execute()

/** The 422 Laravel answers for a bag: its first message, and how many more there are. */
function laravelBag (errors: Record<string, string[]>) {
  const messages = Object.values(errors).flat()
  const more = messages.length - 1
  return { message: more === 0 ? messages[0] : `${messages[0]} (and ${more} more ${more === 1 ? 'error' : 'errors'})`, errors }
}
const notInteger = (field: string) => ({ [field]: [`The ${field} field must be an integer.`] })
const invalid = (field: string) => ({ [field]: [`The selected ${field} is invalid.`] })

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('a sync takes ids as numeric strings, as Laravel\'s integer rule does', async (t) => {
      const { api } = await setup(t, dialect)
      const { ids: [one, two, three], syncUrl } = await seed(api)
      const listed = await api({ method: 'POST', url: syncUrl, payload: { services: [String(one), `+${two}`, ` ${three} `, one] } })
      t.equal(listed.statusCode, 201, listed.body)
      t.same(listed.json().attached, [one, two, three])
      const keyed = await api({ method: 'POST', url: syncUrl, payload: { services: { [`+${one}`]: { version: '2.0' }, [String(two)]: [] } } })
      t.equal(keyed.statusCode, 201, keyed.body)
      t.same(keyed.json(), { message: 'Services synced successfully.', attached: [], detached: [three], updated: [one] })
    })

    t.test('a sync refuses what Laravel\'s integer rule refuses, and a parsed id that names nothing is unknown', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { ids: [one], syncUrl } = await seed(api)
      const check = async (services: unknown, errors: Record<string, string[]>) => {
        const response = await api({ method: 'POST', url: syncUrl, payload: { services } as object })
        t.equal(response.statusCode, 422, JSON.stringify(services))
        t.same(response.json(), laravelBag(errors), JSON.stringify(services))
      }
      for (const refused of [`0${one}`, `${one}.0`, '0x1', '1e3', '', true, false, 1.5, null, {}]) {
        await check([refused], notInteger('services.0'))
      }
      for (const unknown of ['-1', '-0', '+0', '0', '2147483648', '9223372036854775807', 99999999999]) {
        await check([unknown], invalid('services.0'))
      }
      await check(['9223372036854775808'], notInteger('services.0'))
      for (const key of [`0${one}`, '0x1', '1e3', 'abc']) await check({ [key]: {} }, notInteger(`services.${key}`))
      for (const key of ['-1', '+0', '9223372036854775807']) await check({ [key]: {} }, invalid(`services.${key}`))
      t.same(await assignmentRows(app), [], 'nothing was applied')
    })

    t.test('a sync\'s 422 names every failing element, type and existence errors together in element order', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { ids, syncUrl } = await seed(api)
      const [one, two] = ids as [number, number]
      t.equal(one, 1, 'the example needs service 1')
      await api({ method: 'POST', url: syncUrl, payload: { services: [two] } })
      const before = await assignmentRows(app)
      const example = await api({ method: 'POST', url: syncUrl, payload: { services: [1, 999999999, 'x', 1] } })
      t.equal(example.statusCode, 422)
      t.same(example.json(), {
        message: 'The selected services.1 is invalid. (and 1 more error)',
        errors: { 'services.1': ['The selected services.1 is invalid.'], 'services.2': ['The services.2 field must be an integer.'] }
      })
      const repeated = await api({ method: 'POST', url: syncUrl, payload: { services: ['x', 777, two, '777', true] } })
      t.same(repeated.json(), laravelBag({ ...notInteger('services.0'), ...invalid('services.1'), ...invalid('services.3'), ...notInteger('services.4') }))
      const keyed = await api({ method: 'POST', url: syncUrl, payload: { services: { [one]: {}, 999999999: {}, x: {} } } })
      t.same(keyed.json(), laravelBag({ ...invalid('services.999999999'), ...notInteger('services.x') }))
      const withVersion = await api({ method: 'POST', url: syncUrl, payload: { services: { x: {}, 888: {}, [two]: { version: 5 } } } })
      t.same(withVersion.json(), laravelBag({
        ...invalid('services.888'),
        ...notInteger('services.x'),
        [`services.${two}.version`]: [`The services.${two}.version field must be a string.`]
      }), 'the schema\'s other errors follow the ids\'')
      t.same(await assignmentRows(app), before, 'nothing was applied')
    })

    t.test('the bulk lists take and refuse ids as the sync does, naming every failing element', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { ids: [service], customers: [a, b], bulkUrl } = await seed(api)
      const attached = await api({ method: 'POST', url: bulkUrl, payload: { attach: [String(a), `+${b}`, ` ${a}`] } })
      t.equal(attached.statusCode, 200, attached.body)
      t.same(attached.json(), { message: 'Customers updated successfully.', attached: [a, b], detached: [] })
      const check = async (payload: object, errors: Record<string, string[]>) => {
        const response = await api({ method: 'POST', url: bulkUrl, payload })
        t.equal(response.statusCode, 422, JSON.stringify(payload))
        t.same(response.json(), laravelBag(errors), JSON.stringify(payload))
      }
      for (const refused of [`0${a}`, `${a}.0`, '0x1', '1e3', true, 1.5]) {
        await check({ detach: [refused] }, notInteger('detach.0'))
      }
      for (const unknown of ['-1', '-0', '+0', '9223372036854775807']) await check({ attach: [unknown] }, invalid('attach.0'))
      await check({ attach: [a, 999999999, 'x', a], detach: [`0${b}`, '-1', String(b)] }, {
        ...invalid('attach.1'), ...notInteger('attach.2'), ...notInteger('detach.0'), ...invalid('detach.1')
      })
      await check({ attach: [a, 'x'], detach: [String(a)] }, {
        ...notInteger('attach.1'),
        'detach.0': ['The detach.0 field must not also be in attach.']
      })
      t.same((await assignmentRows(app)).map((row) => row.customer_id), [a, b])
      const detached = await api({ method: 'POST', url: bulkUrl, payload: { detach: [`+${a}`, String(b)] } })
      t.same(detached.json(), { message: 'Customers updated successfully.', attached: [], detached: [a, b] })
      t.same((await assignmentRows(app)).filter((row) => row.customer_service_id === service), [])
    })
  })
}
