import type { Kysely } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import { isUniqueViolation } from '../errors.js'
import type { User } from '../../schemas/auth.js'
import type { DB } from '../tables.js'

export class EmailTakenError extends Error {}

/** Emails are compared case-insensitively: they are stored in lower case. */
export function normalizeEmail (email: string): string {
  return email.trim().toLowerCase()
}

export async function createUser (db: Kysely<DB>, input: { name: string, email: string, passwordHash: string }, now = new Date()): Promise<User> {
  const timestamp = toStoredTimestamp(now)
  try {
    return await db.insertInto('users')
      .values({ name: input.name, email: normalizeEmail(input.email), password: input.passwordHash, created_at: timestamp, updated_at: timestamp })
      .returning(['id', 'name', 'email'])
      .executeTakeFirstOrThrow()
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError()
    throw error
  }
}

export async function findUserByEmail (db: Kysely<DB>, email: string): Promise<User | undefined> {
  return await db.selectFrom('users').select(['id', 'name', 'email']).where('email', '=', normalizeEmail(email)).executeTakeFirst()
}

export async function findUserForLogin (db: Kysely<DB>, email: string) {
  return await db.selectFrom('users')
    .select(['id', 'name', 'email', 'password'])
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst()
}
