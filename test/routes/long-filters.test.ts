import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'
import { seedServicesAndCustomer as seed } from '../helpers/seed.js'
import { MAX_URL_LENGTH } from '../../src/plugins/limits.js'

/** Values that match no row: no name, key or account has a `z`. */
const noise = (count: number) => Array.from({ length: count }, (_, index) => `z${index.toString(36)}`)

/** The value in varied case, again and again: one alternative once folded. */
const copies = (values: string[], count: number) =>
  Array.from({ length: count }, (_, index) => values[index % values.length] as string).map((value, index) => index % 2 === 0 ? value.toUpperCase() : value)

const commaList = (filter: string, values: string[]) => `filter[${filter}]=${values.map(encodeURIComponent).join(',')}`
const repeatedParameters = (filter: string, values: string[]) => values.map((value) => `filter[${filter}][]=${encodeURIComponent(value)}`).join('&')

/** The query with the most values the list's URL can carry (a longer one is a 414). */
function fillingTheUrl (list: string, query: (count: number) => string): string {
  const fits = (count: number) => `${list}&${query(count)}`.length <= MAX_URL_LENGTH
  let [low, high] = [0, MAX_URL_LENGTH]
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (fits(middle)) low = middle
    else high = middle - 1
  }
  return query(low)
}

/** The ways a client can send many values for one filter, and the least number of values each sends. */
const senders: Array<[string, number, (list: string, filter: string, values: string[]) => string]> = [
  ['1,000 comma values', 1000, (_list, filter, values) => commaList(filter, [...noise(1000 - values.length), ...values])],
  ['distinct comma values filling the URL', 1500, (list, filter, values) => fillingTheUrl(list, (count) => commaList(filter, [...noise(count), ...values]))],
  ['copies of the values filling the URL', 600, (list, filter, values) => fillingTheUrl(list, (count) => commaList(filter, copies(values, count)))],
  ['repeated parameters filling the URL', 250, (list, filter, values) => fillingTheUrl(list, (count) => repeatedParameters(filter, [...noise(count), ...values]))]
]

const idsOf = async (api: Client, url: string) => {
  const answer = await api({ method: 'GET', url })
  if (answer.statusCode !== 200) throw new Error(`${answer.statusCode}: ${answer.body.slice(0, 300)}`)
  return (answer.json().data as Array<{ id: number }>).map((row) => row.id)
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: every list answers a filter with thousands of values, and finds the right rows`, async (t) => {
    const { api } = await setup(t, dialect)
    const { ids: [a, b, c, d], customer, url } = await seed(api)
    const other = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Umbrella' } })).json()
    await api({ method: 'POST', url, payload: { services: [a, c] } })
    await api({ method: 'POST', url: `/api/v1/customers/${other.id}/services`, payload: { services: [a] } })
    const serviceHistory = await idsOf(api, `/api/v1/customer-services/${a}/history?per_page=100`)
    const customerHistoryOfC = (await idsOf(api, `${url}/history?per_page=100&filter[service_key]=svc-3`))
    t.equal(serviceHistory.length, 2)
    t.equal(customerHistoryOfC.length, 1)

    const cases: Array<{ list: string, filter: string, values: string[], expected: number[] }> = [
      { list: '/api/v1/customer-services?per_page=100', filter: 'name', values: ['service 3'], expected: [c] },
      { list: '/api/v1/customer-services?per_page=100', filter: 'name', values: ['e'], expected: [a, b, c, d] },
      { list: '/api/v1/customer-services?per_page=100', filter: 'key', values: ['svc-3', 'svc-1'], expected: [a, c] },
      { list: '/api/v1/customers?per_page=100', filter: 'name', values: ['acme'], expected: [customer.id] },
      { list: '/api/v1/customers?per_page=100', filter: 'customer_account', values: [other.customer_account], expected: [other.id] },
      { list: `${url}?per_page=100`, filter: 'name', values: ['service 3'], expected: [c] },
      { list: `${url}?per_page=100&at=2999-01-01T00:00:00Z`, filter: 'key', values: ['svc-3'], expected: [c] },
      { list: `/api/v1/customer-services/${a}/customers?per_page=100`, filter: 'name', values: ['umbrella'], expected: [other.id] },
      { list: `${url}/history?per_page=100`, filter: 'service_key', values: ['svc-3'], expected: customerHistoryOfC },
      { list: `/api/v1/customer-services/${a}/history?per_page=100`, filter: 'service_key', values: ['svc-1'], expected: serviceHistory }
    ]
    for (const { list, filter, values, expected } of cases) {
      for (const [sending, least, query] of senders) {
        const sent = query(list, filter, values)
        t.ok(sent.split(/,|&/).length >= least, `${sending}: at least ${least} values`)
        t.same(await idsOf(api, `${list}&${sent}`), expected, `${list}, filter ${filter}, ${sending}`)
      }
    }
  })

  t.test(`${dialect}: the history's action filter takes many repeated values`, async (t) => {
    const { api } = await setup(t, dialect)
    const { ids: [a], url } = await seed(api)
    await api({ method: 'POST', url, payload: { services: [a] } })
    await api({ method: 'POST', url, payload: { services: [] } })
    const detached = await idsOf(api, `${url}/history?filter[action]=detached`)
    t.equal(detached.length, 1)
    t.same(await idsOf(api, `${url}/history?filter[action]=${Array(900).fill('detached').join(',')}`), detached)
    t.same(await idsOf(api, `${url}/history?${Array(300).fill('filter[action][]=detached').join('&')}`), detached)
  })
}
