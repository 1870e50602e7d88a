import type { Kysely } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import type { DB } from '../tables.js'
import { compiledOnce } from '../compiled-once.js'
import type { UserRecord } from './users.js'

export interface TokenOwner {
  tokenId: number
  user: UserRecord
  lastUsedAt: Date | null
  expiresAt: Date
}

export async function createToken (db: Kysely<DB>, userId: number, tokenHash: string, ttlSeconds: number, now = new Date()): Promise<void> {
  await db.insertInto('api_tokens')
    .values({
      user_id: userId,
      token_hash: tokenHash,
      created_at: toStoredTimestamp(now),
      last_used_at: null,
      expires_at: toStoredTimestamp(new Date(now.getTime() + ttlSeconds * 1000))
    })
    .execute()
}

const unexpiredToken = compiledOnce((db, tokenHash: string, now: string) => db.selectFrom('api_tokens')
  .innerJoin('users', 'users.id', 'api_tokens.user_id')
  .select(['api_tokens.id as token_id', 'api_tokens.last_used_at', 'api_tokens.expires_at', 'users.id', 'users.name', 'users.email'])
  .where('api_tokens.token_hash', '=', tokenHash)
  .where('api_tokens.expires_at', '>', now))

/** The owner of an unexpired token, or undefined. */
export async function findTokenOwner (db: Kysely<DB>, tokenHash: string, now = new Date()): Promise<TokenOwner | undefined> {
  const [row] = await unexpiredToken(db, tokenHash, toStoredTimestamp(now))
  if (row === undefined) return undefined
  return {
    tokenId: row.token_id,
    user: { id: row.id, name: row.name, email: row.email },
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

/** Revokes every token of a user; answers how many there were. */
export async function revokeUserTokens (db: Kysely<DB>, userId: number): Promise<number> {
  const result = await db.deleteFrom('api_tokens').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
