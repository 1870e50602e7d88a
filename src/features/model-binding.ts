import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { findCustomerService, findCustomerServiceByReference } from '../db/queries/customer-services.js'
import { findCustomer } from '../db/queries/customers.js'
import { ModelNotFoundError } from '../http-errors.js'
import { idFromPath } from '../domain/ids.js'
import type { Customer } from '../schemas/customer.js'
import type { CountedCustomerService } from '../schemas/customer-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    bindCustomer: (request: FastifyRequest) => Promise<void>
    bindCustomerService: (request: FastifyRequest) => Promise<void>
    /** Binds the path's `{key}`, a service's key or id, to `request.customerService`. */
    bindServiceReference: (request: FastifyRequest) => Promise<void>
    /** Answers 404 as `bindCustomer` would for a path `{customer}` that cannot be an id, without loading it. */
    checkCustomerId: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    /** The record the path's `{customer}` names, once bound. */
    customer: Customer | null
    /** The record the path's `{id}` (catalog routes) or a service's `{key}` names, once bound. */
    customerService: CountedCustomerService | null
  }
}

/**
 * Laravel's route-model binding: the record a path id names is loaded before the
 * body is validated (the contract puts 404 before 422), and a path id that names no
 * record is a 404.
 */
export default fp(async (app) => {
  app.decorateRequest('customer', null)
  app.decorateRequest('customerService', null)

  app.decorate('bindCustomer', async (request: FastifyRequest) => {
    const raw = (request.params as Record<string, unknown>).customer
    const id = idFromPath(raw)
    const customer = id === undefined ? undefined : await findCustomer(app.db, id)
    if (customer === undefined) throw new ModelNotFoundError('Customer', String(raw))
    request.customer = customer
  })
  app.decorate('checkCustomerId', async (request: FastifyRequest) => {
    const raw = (request.params as Record<string, unknown>).customer
    if (idFromPath(raw) === undefined) throw new ModelNotFoundError('Customer', String(raw))
  })
  app.decorate('bindCustomerService', async (request: FastifyRequest) => {
    const raw = (request.params as Record<string, unknown>).id
    const id = idFromPath(raw)
    const service = id === undefined ? undefined : await findCustomerService(app.db, id)
    if (service === undefined) throw new ModelNotFoundError('CustomerService', String(raw))
    request.customerService = service
  })
  app.decorate('bindServiceReference', async (request: FastifyRequest) => {
    const raw = String((request.params as Record<string, unknown>).key)
    const service = await findCustomerServiceByReference(app.db, raw)
    if (service === undefined) throw new ModelNotFoundError('CustomerService', raw)
    request.customerService = service
  })
}, { name: 'model-binding', dependencies: ['database'] })
