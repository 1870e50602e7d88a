import { createUser, EmailTakenError } from '../db/queries/users.js'
import { hashPassword, passwordWeaknesses } from '../security/passwords.js'
import { parseOptions } from './args.js'
import { runCommand, UsageError } from './run.js'

const usage = 'usage: npm run user:create -- --email E --password P [--name N]'

await runCommand(async ({ db }) => {
  let options
  try {
    options = parseOptions(process.argv.slice(2), ['email', 'password', 'name'])
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  const { email, password } = options
  if (email === undefined || password === undefined) throw new UsageError(`--email and --password are required\n${usage}`)
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new UsageError(`"${email}" is not a valid email address`)
  const weaknesses = passwordWeaknesses(password)
  if (weaknesses.length > 0) throw new UsageError(`the password is too weak: ${weaknesses.join('; ')}`)
  const name = options.name?.trim() || email.split('@')[0] as string
  try {
    const user = await createUser(db, { name, email, passwordHash: await hashPassword(password) })
    return `created user ${user.id} <${user.email}>`
  } catch (error) {
    if (error instanceof EmailTakenError) throw new UsageError(`a user with the email ${email} already exists`)
    throw error
  }
})
