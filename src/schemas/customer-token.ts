import { Type } from 'typebox'

/** The largest TOKEN_TTL the configuration accepts; the configured one is checked by the route. */
const MAX_TOKEN_TTL = 10 * 365 * 24 * 3600

export const CreateCustomerTokenBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A label, e.g. where the token is used.', examples: ['ACME self-service portal'] })),
  expires_in: Type.Optional(Type.Integer({
    minimum: 60,
    maximum: MAX_TOKEN_TTL,
    description: 'Lifetime in seconds: at least 60, at most the server\'s TOKEN_TTL (its default).',
    examples: [86400]
  }))
}, { examples: [{ name: 'ACME self-service portal', expires_in: 86400 }] })

export const CustomerTokenResult = Type.Object({
  token: Type.String({ description: 'Bearer token, shown once. Send it as `Authorization: Bearer <token>`.' }),
  token_type: Type.Literal('Bearer'),
  expires_at: Type.String({ format: 'date-time', description: 'UTC, ISO-8601 with six fractional digits.' }),
  abilities: Type.Array(Type.String(), { description: '`customer:{id}`: the token acts for that customer only.' }),
  name: Type.Union([Type.String(), Type.Null()])
}, {
  description: 'The customer token.',
  examples: [{
    token: 'q3Xr0m9PZy5b8c1Wd2Ke7Lf4Hg6Ji0Ka3Mb5Nc7Od9P',
    token_type: 'Bearer',
    expires_at: '2026-12-28T16:43:17.000000Z',
    abilities: ['customer:42'],
    name: 'ACME self-service portal'
  }]
})
