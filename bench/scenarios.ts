import { mostAssignedService, randomSource, servicesOfCustomer, type Dataset } from './datasets.js'
import type { DrawnRequest } from './load.js'
import { benchUser } from './seed.js'

export interface Scenario {
  readonly name: string
  /** The request, as the table shows it. */
  readonly label: string
  readonly method: 'GET' | 'POST'
  readonly authenticated: boolean
  /** Reads leave the data as seeded; writes run after them. */
  readonly kind: 'read' | 'write'
  readonly draw: () => DrawnRequest
}

/** The pages of the customer list that are drawn: as many as the small set has. */
const CUSTOMER_LIST_PAGES = 100

export function scenariosFor (dataset: Dataset): Scenario[] {
  const random = randomSource(42)
  const below = (count: number) => Math.floor(random() * count)
  const customer = () => 1 + below(dataset.customerCount)
  const keyOf = (serviceId: number) => (dataset.services[serviceId - 1] as { key: string }).key
  const fixed = (path: string) => () => ({ path })
  const mostAssigned = mostAssignedService(dataset)
  const login = JSON.stringify({ email: benchUser.email, password: benchUser.password })

  return [
    {
      name: 'catalog-by-name',
      label: 'GET /api/v1/customer-services?sort=name',
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: fixed('/api/v1/customer-services?sort=name')
    },
    {
      name: 'catalog-filtered-page-2',
      label: 'GET /api/v1/customer-services?filter[name]=service 0&page=2',
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: fixed('/api/v1/customer-services?filter%5Bname%5D=service%200&page=2')
    },
    {
      name: 'customer-services',
      label: 'GET /api/v1/customers/{random}/services',
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: () => {
        const id = customer()
        return { path: `/api/v1/customers/${id}/services`, variables: { customer: id } }
      }
    },
    {
      name: 'feature-flag',
      label: 'GET /api/v1/customers/{random}/services/{a key it has}',
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: () => {
        const id = customer()
        const owned = servicesOfCustomer(dataset, id)
        const key = keyOf(owned[below(owned.length)] as number)
        return { path: `/api/v1/customers/${id}/services/${key}`, variables: { customer: id, key } }
      }
    },
    {
      name: 'show-rare-service',
      label: `GET /api/v1/customer-services/{rare: ${dataset.counts[dataset.rareServiceId]} customers}`,
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: fixed(`/api/v1/customer-services/${dataset.rareServiceId}`)
    },
    {
      name: 'customers-of-popular-service',
      label: `GET /api/v1/customer-services/{most assigned: ${dataset.counts[mostAssigned]} customers}/customers?page={1..${CUSTOMER_LIST_PAGES}}`,
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: () => {
        const page = 1 + below(CUSTOMER_LIST_PAGES)
        return { path: `/api/v1/customer-services/${mostAssigned}/customers?page=${page}`, variables: { page } }
      }
    },
    {
      name: 'customer-list',
      label: `GET /api/v1/customers?page={1..${CUSTOMER_LIST_PAGES}}`,
      method: 'GET',
      authenticated: true,
      kind: 'read',
      draw: () => {
        const page = 1 + below(CUSTOMER_LIST_PAGES)
        return { path: `/api/v1/customers?page=${page}`, variables: { page } }
      }
    },
    {
      name: 'sync-5-services',
      label: 'POST /api/v1/customers/{random}/services {services: [5 random]}',
      method: 'POST',
      authenticated: true,
      kind: 'write',
      draw: () => {
        const ids = new Set<number>()
        while (ids.size < 5) ids.add(dataset.regularServiceIds[below(dataset.regularServiceIds.length)] as number)
        return { path: `/api/v1/customers/${customer()}/services`, body: JSON.stringify({ services: [...ids] }) }
      }
    },
    {
      name: 'login',
      label: 'POST /api/login',
      method: 'POST',
      authenticated: false,
      kind: 'write',
      draw: () => ({ path: '/api/login', body: login })
    }
  ]
}
