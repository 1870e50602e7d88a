import { createHook } from 'node:async_hooks'
import t from 'tap'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { buildTestApp, testDialects, testPassword } from '../helpers/app.js'

// Its own file, so its own process: nothing has made the decoy hash before the first app starts.

/** Counts the scrypt derivations started while `work` runs. */
async function scryptDerivations (work: () => Promise<unknown>): Promise<number> {
  let derivations = 0
  const hook = createHook({ init: (_id, type) => { if (type === 'SCRYPTREQUEST') derivations++ } }).enable()
  try {
    await work()
  } finally {
    hook.disable()
  }
  return derivations
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: a login costs one scrypt derivation whether or not the email exists, the very first unknown one too`, async (t) => {
    const app = await buildTestApp(t, dialect)
    await createUser(app.db, { name: 'Ops', email: 'ops@example.com', passwordHash: await hashPassword(testPassword) })
    const login = async (email: string, password: string) => {
      let status = 0
      const derivations = await scryptDerivations(async () => {
        status = (await app.inject({ method: 'POST', url: '/api/login', payload: { email, password } })).statusCode
      })
      return [status, derivations]
    }
    t.same(await login('nobody@example.com', testPassword), [401, 1], 'an unknown email')
    t.same(await login('ops@example.com', 'wrong-password'), [401, 1], 'a wrong password')
    t.same(await login('ops@example.com', testPassword), [200, 1], 'the right password')
  })
}
