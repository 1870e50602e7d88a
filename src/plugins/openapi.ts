import fastifySwagger from '@fastify/swagger'
import fp from 'fastify-plugin'

export const apiDescription = [
  'Catalog of optional customer services (support contracts, platform access, feature tiers), each with a machine key',
  'that other systems use as a feature flag, and their assignment to customers. Drop-in compatible with the',
  'BlueRockTEL Laravel admin API: bearer tokens, `filter[...]`/`sort` query parameters, Laravel pagination and errors.'
].join(' ')

/** Registers @fastify/swagger; it must come before the routes it documents. */
export default fp<{ version: string }>(async (app, options) => {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Customer Services API', version: options.version, description: apiDescription },
      servers: [{ url: 'http://localhost:3000', description: 'A local instance' }],
      tags: [
        { name: 'Authentication', description: 'Log in and out.' },
        { name: 'Customer services', description: 'The catalog of services.' },
        { name: 'Customers', description: 'Customers and their account numbers.' },
        { name: 'Customer assignments', description: 'Which services each customer has.' },
        { name: 'System', description: 'Version and health, without a token.' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from `POST /api/login`.' }
        }
      }
    }
  })
}, { name: 'openapi' })
