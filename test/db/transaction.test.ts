import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { isUniqueViolation } from '../../src/db/errors.js'
import type { DB } from '../../src/db/tables.js'
import { inTransaction } from '../../src/db/transaction.js'
import { freshPostgresUrl, testDialects, type TestDialect } from '../helpers/app.js'

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

/** A bare database of the dialect, with a table of items and one of claims (as Idempotency-Keys are). */
async function bareDatabase (t: Test, dialect: TestDialect) {
  const database = createDatabase(dialect === 'postgres' ? parseDatabaseUrl(await freshPostgresUrl(t)) : { dialect: 'sqlite', filename: ':memory:' })
  t.teardown(() => database.db.destroy())
  await sql`create table items (id integer primary key, name text not null)`.execute(database.db)
  await sql`create table claims (key text primary key)`.execute(database.db)
  const commits: number[] = []
  database.onCommit?.((writes) => commits.push(writes))
  const { db } = database
  const insertItem = async (trx: Kysely<DB>, id: number) => { await sql`insert into items (id, name) values (${id}, ${`item ${id}`})`.execute(trx) }
  const claim = (key: string) => async (trx: Kysely<DB>) => { await sql`insert into claims (key) values (${key})`.execute(trx) }
  const column = async (query: string) => (await sql.raw<{ value: unknown }>(query).execute(db)).rows.map((row) => row.value)
  return { ...database, commits, insertItem, claim, items: async () => await column('select id as value from items order by id'), claims: async () => await column('select key as value from claims order by key') }
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: writes queued together ${dialect === 'sqlite' ? 'share one commit' : 'each commit on their own (PostgreSQL runs them at once)'}`, async (t) => {
    const { db, onCommit, commits, insertItem, items } = await bareDatabase(t, dialect)
    const ids = Array.from({ length: 10 }, (_, index) => index + 1)
    t.same(await Promise.all(ids.map(async (id) => await inTransaction(db, async (trx) => { await insertItem(trx, id); return id }))), ids)
    t.same(await items(), ids)
    if (dialect === 'sqlite') t.same(commits, [10], 'one commit carried the ten writes')
    else t.equal(onCommit, null, 'no group commit on PostgreSQL')
  })

  t.test(`${dialect}: one write's failure is its caller's alone: the others of its group commit`, async (t) => {
    const { db, commits, insertItem, items } = await bareDatabase(t, dialect)
    const results = await Promise.allSettled([
      inTransaction(db, async (trx) => { await insertItem(trx, 1) }),
      inTransaction(db, async (trx) => {
        await insertItem(trx, 2)
        await insertItem(trx, 1)
      }),
      inTransaction(db, async (trx) => { await insertItem(trx, 3) })
    ])
    t.same(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled'])
    t.ok(isUniqueViolation((results[1] as PromiseRejectedResult).reason), 'the failing write gets its own error')
    t.same(await items(), [1, 3], 'its own first insert was rolled back with it, and only it')
    if (dialect === 'sqlite') t.same(commits, [3])
  })

  t.test(`${dialect}: an idempotency claim and its write's changes stand or fall together, inside a group`, async (t) => {
    const { db, commits, insertItem, claim, items, claims } = await bareDatabase(t, dialect)
    await inTransaction(db, async () => {}, { first: claim('taken') })
    const results = await Promise.allSettled([
      inTransaction(db, async (trx) => { await insertItem(trx, 1) }, { first: claim('a') }),
      inTransaction(db, async (trx) => {
        await insertItem(trx, 2)
        throw new Error('the change fails after its claim')
      }, { first: claim('b') }),
      inTransaction(db, async (trx) => { await insertItem(trx, 3) }, { first: claim('taken') }),
      inTransaction(db, async (trx) => { await insertItem(trx, 4) }, { first: claim('d') })
    ])
    t.same(results.map((result) => result.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    t.same(await claims(), ['a', 'd', 'taken'], 'the claim of a failed change was rolled back with it')
    t.same(await items(), [1, 4], 'the change of a refused claim never ran')
    if (dialect === 'sqlite') t.same(commits, [1, 4])
  })

  t.test(`${dialect}: a write that failed for a transient reason runs again, its first attempt undone`, async (t) => {
    const { db, insertItem, items } = await bareDatabase(t, dialect)
    let attempts = 0
    const outcome = await Promise.all([
      inTransaction(db, async (trx) => {
        attempts++
        await insertItem(trx, 1)
        if (attempts === 1) throw Object.assign(new Error('busy'), { code: dialect === 'sqlite' ? 'SQLITE_BUSY' : '40001' })
        return 'done'
      }),
      inTransaction(db, async (trx) => { await insertItem(trx, 2) })
    ])
    t.equal(outcome[0], 'done')
    t.equal(attempts, 2)
    t.same(await items(), [1, 2])
  })
}

t.test('sqlite: a read waits for the group that holds the connection, and never sees its writes before they commit', async (t) => {
  const { db, insertItem, items } = await bareDatabase(t, 'sqlite')
  let resume = () => {}
  let written = () => {}
  const paused = new Promise<void>((resolve) => { written = resolve })
  const write = inTransaction(db, async (trx) => {
    await insertItem(trx, 1)
    written()
    await new Promise<void>((resolve) => { resume = resolve })
  })
  await paused
  let readDone = false
  const read = items().then((ids) => { readDone = true; return ids })
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(readDone, 'the read waits while the group is open')
  resume()
  await write
  t.same(await read, [1], 'it then sees the committed write')
})
