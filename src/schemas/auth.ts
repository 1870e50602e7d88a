import { Type, type Static } from 'typebox'
import { Id } from './common.js'

export const LoginBody = Type.Object({
  email: Type.String({ format: 'email', maxLength: 255, examples: ['ops@example.com'] }),
  password: Type.String({ minLength: 1, maxLength: 1024 })
}, { examples: [{ email: 'ops@example.com', password: 'correct horse battery staple' }] })
export type LoginBody = Static<typeof LoginBody>

export const User = Type.Object({ id: Id, name: Type.String(), email: Type.String() })
export type User = Static<typeof User>

export const LoginResult = Type.Object({
  token: Type.String({ description: 'Bearer token, shown once. Send it as `Authorization: Bearer <token>`.' }),
  user: User
}, {
  description: 'Logged in.',
  examples: [{ token: 'q3Xr0m9PZy5b8c1Wd2Ke7Lf4Hg6Ji0Ka3Mb5Nc7Od9P', user: { id: 1, name: 'Ops', email: 'ops@example.com' } }]
})

export const LogoutResult = Type.Object({
  message: Type.String()
}, { description: 'The token is revoked.', examples: [{ message: 'Successfully logged out.' }] })
