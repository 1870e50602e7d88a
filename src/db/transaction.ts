import type { Kysely, Transaction } from 'kysely'
import { isTransient } from './errors.js'
import type { DB } from './tables.js'

const ATTEMPTS = 5

/** A write that must commit or roll back with a transaction's own: run first in it. */
export type TransactionStep = (trx: Transaction<DB>) => Promise<void>

export interface TransactionOptions {
  /**
   * Run before `work`, in the same transaction (an Idempotency-Key's claim marked applied):
   * it then stands or falls with `work`'s writes.
   */
  readonly first?: TransactionStep | undefined
}

/**
 * Runs `work` in one transaction, again when the database aborted it for a deadlock
 * or a serialization failure (nothing of it was applied then), `options.first` each time
 * before it.
 */
export async function inTransaction<T> (
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {}
): Promise<T> {
  const { first } = options
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(first === undefined
        ? work
        : async (trx) => {
          await first(trx)
          return await work(trx)
        })
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()))
    }
  }
}
