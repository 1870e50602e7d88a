import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/tables.js'
import { inTransaction } from '../../src/db/transaction.js'

/** A database whose transactions fail with `code` the first `failures` times they are run. */
function failingDatabase (code: string, failures: number) {
  let attempts = 0
  const db = {
    transaction: () => ({
      execute: async <T>(work: (trx: never) => Promise<T>) => {
        attempts++
        if (attempts <= failures) throw Object.assign(new Error(code), { code })
        return await work(undefined as never)
      }
    })
  } as unknown as Kysely<DB>
  return { db, attempts: () => attempts }
}

t.test('a transaction that found the database busy or deadlocked runs again', async (t) => {
  for (const code of ['SQLITE_BUSY', '40P01', '40001']) {
    const { db, attempts } = failingDatabase(code, 4)
    t.equal(await inTransaction(db, async () => 'done'), 'done', code)
    t.equal(attempts(), 5, `${code}: five attempts in all`)
  }
})

t.test('after five attempts the failure is the caller\'s', async (t) => {
  const { db, attempts } = failingDatabase('SQLITE_BUSY', 5)
  await t.rejects(inTransaction(db, async () => 'done'), { code: 'SQLITE_BUSY' })
  t.equal(attempts(), 5)
})

t.test('any other failure is not retried', async (t) => {
  const { db, attempts } = failingDatabase('23505', 1)
  await t.rejects(inTransaction(db, async () => 'done'), { code: '23505' })
  t.equal(attempts(), 1)
})
