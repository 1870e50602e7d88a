import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { customerServiceExists } from '../db/queries/customer-services.js'
import { customerExists } from '../db/queries/customers.js'
import { ModelNotFoundError } from '../http-errors.js'
import { MAX_ID } from '../schemas/common.js'

declare module 'fastify' {
  interface FastifyInstance {
    bindCustomer: (request: FastifyRequest) => Promise<void>
    bindCustomerService: (request: FastifyRequest) => Promise<void>
  }
}

function routeId (raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[0-9]{1,10}$/.test(raw)) return undefined
  const id = Number(raw)
  return id >= 1 && id <= MAX_ID ? id : undefined
}

/**
 * Laravel's route-model binding: a path id that names no record is a 404, decided
 * before the body is validated (the contract puts 404 before 422).
 */
export default fp(async (app) => {
  app.decorate('bindCustomer', async (request: FastifyRequest) => {
    const raw = (request.params as Record<string, unknown>).customer
    const id = routeId(raw)
    if (id === undefined || !await customerExists(app.db, id)) throw new ModelNotFoundError('Customer', String(raw))
  })
  app.decorate('bindCustomerService', async (request: FastifyRequest) => {
    const raw = (request.params as Record<string, unknown>).id
    const id = routeId(raw)
    if (id === undefined || !await customerServiceExists(app.db, id)) throw new ModelNotFoundError('CustomerService', String(raw))
  })
}, { name: 'model-binding', dependencies: ['database'] })
