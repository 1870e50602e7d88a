// A partner's client, written against the types openapi-typescript generates from
// openapi.yaml (./schema.d.ts is generated next to a copy of this file by the test).
import createClient from 'openapi-fetch'
import type { paths } from './schema.js'

export async function runEveryOperation (baseUrl: string, email: string, password: string) {
  const statuses: Record<string, number> = {}
  const anonymous = createClient<paths>({ baseUrl })

  const version = await anonymous.GET('/api/version')
  statuses.getVersion = version.response.status
  const versionText: string | undefined = version.data?.version
  statuses.getLiveness = (await anonymous.GET('/health/live')).response.status
  statuses.getReadiness = (await anonymous.GET('/health/ready')).response.status

  const login = await anonymous.POST('/api/login', { body: { email, password } })
  statuses.login = login.response.status
  const token: string = login.data?.token ?? ''
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } })

  const created = await api.POST('/api/v1/customer-services', {
    body: { key: 'support.premium', name: 'Premium support', description: null, can_be_enabled: true }
  })
  statuses.createCustomerService = created.response.status
  const serviceId: number = created.data?.id ?? 0
  const count: number | undefined = created.data?.customers_count

  const patched = await api.PATCH('/api/v1/customer-services/{id}', { params: { path: { id: serviceId } }, body: { name: 'Premium support 24/7' } })
  statuses.updateCustomerService = patched.response.status

  const customer = await api.POST('/api/v1/customers', { body: { name: 'ACME Telecom' } })
  statuses.createCustomer = customer.response.status
  const customerId: number = customer.data?.id ?? 0
  const account: string | undefined = customer.data?.customer_account

  statuses.getCustomer = (await api.GET('/api/v1/customers/{customer}', { params: { path: { customer: customerId } } })).response.status
  statuses.updateCustomer = (await api.PATCH('/api/v1/customers/{customer}', {
    params: { path: { customer: customerId } },
    body: { name: 'ACME Telecom SAS' }
  })).response.status

  const synced = await api.POST('/api/v1/customers/{customer}/services', {
    params: { path: { customer: customerId } },
    body: { services: { [String(serviceId)]: { version: '1.1.0' } } }
  })
  statuses.syncCustomerServices = synced.response.status
  const attached: number[] = synced.data?.attached ?? []
  const wrong = await api.POST('/api/v1/customers/{customer}/services', {
    params: { path: { customer: customerId } },
    // @ts-expect-error the generated types refuse a sync body whose services is a string
    body: { services: 'all' }
  })
  statuses.syncCustomerServicesWithWrongBody = wrong.response.status

  const catalog = await api.GET('/api/v1/customer-services', {
    params: { query: { filter: { name: 'premium' }, sort: '-created_at,name', page: 1, per_page: 10 } }
  })
  statuses.listCustomerServices = catalog.data?.total === 1 ? catalog.response.status : -1
  const nextPage: string | null | undefined = catalog.data?.next_page_url

  const shown = await api.GET('/api/v1/customer-services/{id}', { params: { path: { id: serviceId } } })
  statuses.getCustomerService = shown.data?.customers[0]?.customer_account === account ? shown.response.status : -1

  const holders = await api.GET('/api/v1/customer-services/{id}/customers', {
    params: { path: { id: serviceId }, query: { filter: { customer_account: account }, per_page: 50 } }
  })
  statuses.listCustomersOfService = holders.data?.data[0]?.id === customerId ? holders.response.status : -1

  const customers = await api.GET('/api/v1/customers', { params: { query: { filter: { customer_account: account }, sort: 'name' } } })
  statuses.listCustomers = customers.data?.data.length === 1 ? customers.response.status : -1

  const assigned = await api.GET('/api/v1/customers/{customer}/services', { params: { path: { customer: customerId }, query: { sort: 'key' } } })
  const version110: string | null | undefined = assigned.data?.data[0]?.pivot.version
  statuses.listCustomerAssignedServices = version110 === '1.1.0' ? assigned.response.status : -1

  const flag = await api.GET('/api/v1/customers/{customer}/services/{key}', { params: { path: { customer: customerId, key: 'support.premium' } } })
  statuses.checkCustomerService = flag.response.status

  const issued = await api.POST('/api/v1/customers/{customer}/tokens', {
    params: { path: { customer: customerId } },
    body: { name: 'ACME portal', expires_in: 3600 }
  })
  const abilities: string[] = issued.data?.abilities ?? []
  statuses.createCustomerToken = abilities[0] === `customer:${customerId}` ? issued.response.status : -1
  const self = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${issued.data?.token ?? ''}` } })
  statuses.unassignCustomerService = (await self.DELETE('/api/v1/customers/{customer}/services/{key}', {
    params: { path: { customer: customerId, key: 'support.premium' }, header: { 'x-reason': 'self-service' } }
  })).response.status
  const forbidden = await self.GET('/api/v1/customer-services', { params: { query: {} } })
  statuses.customerTokenOnCatalog = forbidden.error?.message === 'This action is unauthorized.' ? forbidden.response.status : -1
  const reassigned = await api.PUT('/api/v1/customers/{customer}/services/{key}', {
    params: { path: { customer: customerId, key: String(serviceId) } },
    body: { version: '1.1.0' }
  })
  statuses.assignCustomerService = reassigned.data?.pivot.version === '1.1.0' ? reassigned.response.status : -1
  const bulk = await api.POST('/api/v1/customer-services/{id}/customers', {
    params: { path: { id: serviceId } },
    body: { attach: [customerId] }
  })
  statuses.bulkAssignCustomerService = bulk.data?.attached.length === 0 ? bulk.response.status : -1

  const customerHistory = await api.GET('/api/v1/customers/{customer}/services/history', {
    params: { path: { customer: customerId }, query: { filter: { action: 'detached' } } }
  })
  statuses.listCustomerAssignmentHistory = customerHistory.data?.data[0]?.reason === 'self-service' ? customerHistory.response.status : -1
  const serviceHistory = await api.GET('/api/v1/customer-services/{id}/history', { params: { path: { id: serviceId }, query: {} } })
  statuses.listServiceAssignmentHistory = (serviceHistory.data?.total ?? 0) >= 3 ? serviceHistory.response.status : -1
  const events = await api.GET('/api/v1/events', { params: { query: { after: '0' } } })
  const followed = events.data?.data.some((event) => event.type === 'assignment.detached') ?? false
  statuses.listChangeEvents = followed ? events.response.status : -1

  const refused = await api.DELETE('/api/v1/customer-services/{id}', { params: { path: { id: serviceId } } })
  const inUse = refused.error !== undefined && 'customers_count' in refused.error ? refused.error.customers_count : undefined
  statuses.deleteCustomerServiceWhileAssigned = inUse === 1 ? refused.response.status : -1

  statuses.deleteCustomer = (await api.DELETE('/api/v1/customers/{customer}', { params: { path: { customer: customerId } } })).response.status
  statuses.deleteCustomerService = (await api.DELETE('/api/v1/customer-services/{id}', { params: { path: { id: serviceId } } })).response.status
  statuses.logout = (await api.POST('/api/logout')).response.status

  return { statuses, observed: { versionText, count, attached, nextPage } }
}
