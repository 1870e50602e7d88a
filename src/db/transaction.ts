import type { ControlledTransaction, Kysely, Transaction } from 'kysely'
import { isTransient } from './errors.js'
import type { DB } from './tables.js'

const ATTEMPTS = 5

const pause = async (attempt: number) => await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()))

/** A write that must commit or roll back with a transaction's own: run first in it. */
export type TransactionStep = (trx: Transaction<DB>) => Promise<void>

export interface TransactionOptions {
  /**
   * Run before `work`, in the same transaction (an Idempotency-Key's claim marked applied):
   * it then stands or falls with `work`'s writes.
   */
  readonly first?: TransactionStep | undefined
}

type Work = (trx: Transaction<DB>) => Promise<unknown>

interface QueuedWrite {
  readonly work: Work
  readonly first: TransactionStep | undefined
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  attempts: number
}

export interface GroupCommitOptions {
  /** The most writes one commit carries: reads on the connection wait for a whole group. */
  readonly maxWrites: number
  /** Awaited after each commit, before the next group begins (the connection is free meanwhile). */
  readonly afterCommit: (writes: number) => Promise<void>
}

/**
 * SQLite has one writer, and each commit syncs the log. Writes that queue while a transaction
 * runs therefore share the next one: one `begin immediate`, each write in its own savepoint
 * (released when it succeeds, rolled back to when it fails, so that its failure is its caller's
 * alone), one commit for them all. Every answer waits for that commit: none tells of a change
 * that is not durable and visible yet. A commit that fails fails every write of its group.
 *
 * Reads get the connection between groups, never inside one, so they see no uncommitted write;
 * a group is bounded (`maxWrites`) so that they do not wait long.
 */
class GroupCommit {
  readonly #db: Kysely<DB>
  readonly #options: GroupCommitOptions
  readonly #queue: QueuedWrite[] = []
  #draining = false

  constructor (db: Kysely<DB>, options: GroupCommitOptions) {
    this.#db = db
    this.#options = options
  }

  async run (work: Work, first: TransactionStep | undefined): Promise<unknown> {
    return await new Promise((resolve, reject) => {
      this.#queue.push({ work, first, resolve, reject, attempts: 0 })
      if (!this.#draining) {
        // Nothing in the loop is meant to throw; should it, no write is left waiting for ever.
        this.#drain().catch((error: unknown) => { for (const write of this.#queue.splice(0)) write.reject(error) })
      }
    })
  }

  async #drain (): Promise<void> {
    this.#draining = true
    try {
      while (this.#queue.length > 0) {
        let trx: ControlledTransaction<DB>
        try {
          trx = await this.#begin()
        } catch (error) {
          for (const write of this.#queue.splice(0, this.#options.maxWrites)) write.reject(error)
          continue
        }
        // Taken once the transaction has begun: the writes that arrived while it waited join it.
        const group = this.#queue.splice(0, this.#options.maxWrites)
        if (await this.#commit(trx, group)) await this.#options.afterCommit(group.length)
        // The reads that queued on the connection meanwhile run before the next group.
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      this.#draining = false
    }
  }

  /** `begin immediate` waits for another process's write lock, and is tried again if that times out. */
  async #begin (): Promise<ControlledTransaction<DB>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.startTransaction().execute()
      } catch (error) {
        if (attempt >= ATTEMPTS || !isTransient(error)) throw error
        await pause(attempt)
      }
    }
  }

  /** Runs each write in its savepoint, then commits; answers every write once the commit is done. */
  async #commit (trx: ControlledTransaction<DB>, group: readonly QueuedWrite[]): Promise<boolean> {
    const answers: Array<() => void> = []
    try {
      for (const write of group) {
        const savepoint = await trx.savepoint('write').execute()
        try {
          if (write.first !== undefined) await write.first(savepoint)
          const value = await write.work(savepoint)
          await savepoint.releaseSavepoint('write').execute()
          answers.push(() => write.resolve(value))
        } catch (error) {
          // Some errors (a full disk, an I/O error) end the whole transaction: the group then
          // fails with this one, and there is no savepoint left to roll back to.
          await savepoint.rollbackToSavepoint('write').execute().catch(() => { throw error })
          await savepoint.releaseSavepoint('write').execute()
          answers.push(() => this.#retryOrFail(write, error))
        }
      }
      await trx.commit().execute()
    } catch (error) {
      await trx.rollback().execute().catch(() => {})
      for (const write of group) this.#retryOrFail(write, error)
      return false
    }
    for (const answer of answers) answer()
    return true
  }

  /** A write that failed for a transient reason runs again, in a later group, as `inTransaction` would. */
  #retryOrFail (write: QueuedWrite, error: unknown): void {
    write.attempts++
    if (write.attempts < ATTEMPTS && isTransient(error)) this.#queue.unshift(write)
    else write.reject(error)
  }
}

const groupCommits = new WeakMap<Kysely<DB>, GroupCommit>()

/** Makes `inTransaction` on `db` (SQLite's one connection) commit the writes that queue together. */
export function commitInGroups (db: Kysely<DB>, options: GroupCommitOptions): void {
  groupCommits.set(db, new GroupCommit(db, options))
}

/**
 * Runs `work` in one transaction, again when the database aborted it for a deadlock
 * or a serialization failure (nothing of it was applied then), `options.first` each time
 * before it. On SQLite it shares its transaction with the writes queued beside it (see
 * `GroupCommit`); on PostgreSQL, whose writers run at once, each has its own.
 */
export async function inTransaction<T> (
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {}
): Promise<T> {
  const { first } = options
  const group = groupCommits.get(db)
  if (group !== undefined) return await group.run(work, first) as T
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
      await pause(attempt)
    }
  }
}
