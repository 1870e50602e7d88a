import { AsyncLocalStorage } from 'node:async_hooks'
import type { Kysely, Transaction } from 'kysely'
import { isTransient } from './errors.js'
import type { DB } from './tables.js'

const ATTEMPTS = 5

type Prelude = (trx: Transaction<DB>) => Promise<void>
const preludes = new AsyncLocalStorage<Prelude>()

let preludesRunning = 0

/**
 * Runs `work` so that every transaction `inTransaction` begins within it (however deep in
 * its calls) runs `first` before anything else, and commits or rolls back with it: what a
 * request records of its own writes (an Idempotency-Key's claim) then stands or falls with them.
 */
export async function withTransactionPrelude<T> (first: Prelude, work: () => Promise<T>): Promise<T> {
  preludesRunning++
  try {
    return await preludes.run(first, work)
  } finally {
    // On Node 20, an AsyncLocalStorage once used tracks every promise of the process from then
    // on: cached reads took a third more CPU after one request with an Idempotency-Key. It is
    // switched off again whenever no request needs it.
    if (--preludesRunning === 0) preludes.disable()
  }
}

/**
 * Runs `work` in one transaction, again when the database aborted it for a deadlock
 * or a serialization failure (nothing of it was applied then).
 */
export async function inTransaction<T> (db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const prelude = preludes.getStore()
      return await db.transaction().execute(prelude === undefined
        ? work
        : async (trx) => {
          await prelude(trx)
          return await work(trx)
        })
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()))
    }
  }
}
