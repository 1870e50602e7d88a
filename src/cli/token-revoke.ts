import { revokeUserTokens } from '../db/queries/tokens.js'
import { findUserByEmail } from '../db/queries/users.js'
import { parseOptions } from './args.js'
import { runCommand, UsageError } from './run.js'

const usage = 'usage: npm run token:revoke -- --email E'

/**
 * Revokes every token of a user, and the customer tokens the user issued, in the database
 * that DATABASE_URL names. Running processes refuse them within TOKEN_CACHE_TTL seconds.
 */
await runCommand(async ({ db }) => {
  let options
  try {
    options = parseOptions(process.argv.slice(2), ['email'])
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  if (options.email === undefined) throw new UsageError(`--email is required\n${usage}`)
  const user = await findUserByEmail(db, options.email)
  if (user === undefined) throw new UsageError(`no user has the email ${options.email}`)
  const revoked = await revokeUserTokens(db, user.id)
  return `revoked ${revoked} ${revoked === 1 ? 'token' : 'tokens'} of user ${user.id} <${user.email}>`
})
