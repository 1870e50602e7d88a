import type { Kysely, Transaction } from 'kysely'
import { isTransient } from './errors.js'
import type { DB } from './tables.js'

const ATTEMPTS = 5

/**
 * Runs `work` in one transaction, again when the database aborted it for a deadlock
 * or a serialization failure (nothing of it was applied then).
 */
export async function inTransaction<T> (db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work)
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()))
    }
  }
}
