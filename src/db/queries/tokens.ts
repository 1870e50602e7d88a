import type { Kysely } from 'kysely'
import { accessOf, type Access } from '../../domain/access.js'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import type { DB } from '../tables.js'
import { compiledOnce } from '../compiled-once.js'
import { isForeignKeyViolation } from '../errors.js'
import type { User } from '../../schemas/auth.js'

export interface TokenOwner {
  tokenId: number
  user: User
  access: Access
  lastUsedAt: Date | null
  expiresAt: Date
}

export interface TokenScope {
  /** The customer a customer token is limited to; absent for an admin token. */
  customerId?: number
  name?: string | null
}

/** The customer a token was being issued for was deleted meanwhile. */
export class TokenCustomerMissingError extends Error {}

/** Stores a token's hash; answers when it expires. `userId` is the user who logs in, or who issues a customer token. */
export async function createToken (
  db: Kysely<DB>,
  userId: number,
  tokenHash: string,
  ttlSeconds: number,
  scope: TokenScope = {},
  now = new Date()
): Promise<Date> {
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000)
  const insert = db.insertInto('api_tokens')
    .values({
      user_id: userId,
      token_hash: tokenHash,
      created_at: toStoredTimestamp(now),
      last_used_at: null,
      expires_at: toStoredTimestamp(expiresAt),
      customer_id: scope.customerId ?? null,
      name: scope.name ?? null
    })
  try {
    await insert.execute()
  } catch (error) {
    if (scope.customerId !== undefined && isForeignKeyViolation(error)) throw new TokenCustomerMissingError()
    throw error
  }
  return expiresAt
}

const unexpiredToken = compiledOnce((db, tokenHash: string, now: string) => db.selectFrom('api_tokens')
  .innerJoin('users', 'users.id', 'api_tokens.user_id')
  .select(['api_tokens.id as token_id', 'api_tokens.last_used_at', 'api_tokens.expires_at', 'api_tokens.customer_id', 'users.id', 'users.name', 'users.email'])
  .where('api_tokens.token_hash', '=', tokenHash)
  .where('api_tokens.expires_at', '>', now))

/** The owner of an unexpired token and what the token may do, or undefined. */
export async function findTokenOwner (db: Kysely<DB>, tokenHash: string, now = new Date()): Promise<TokenOwner | undefined> {
  const [row] = await unexpiredToken(db, tokenHash, toStoredTimestamp(now))
  if (row === undefined) return undefined
  return {
    tokenId: row.token_id,
    user: { id: row.id, name: row.name, email: row.email },
    access: accessOf(row.customer_id),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    expiresAt: new Date(row.expires_at)
  }
}

export async function touchToken (db: Kysely<DB>, tokenId: number, now = new Date()): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: toStoredTimestamp(now) }).where('id', '=', tokenId).execute()
}

export async function revokeToken (db: Kysely<DB>, tokenId: number): Promise<void> {
  await db.deleteFrom('api_tokens').where('id', '=', tokenId).execute()
}

/** Revokes every token of a user, the customer tokens the user issued too; answers how many there were. */
export async function revokeUserTokens (db: Kysely<DB>, userId: number): Promise<number> {
  const result = await db.deleteFrom('api_tokens').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
