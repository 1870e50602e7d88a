import t from 'tap'
import { sql } from 'kysely'
import { compiledOnce, compiledPerShape, MAX_PREPARED_STATEMENTS, preparedStatementName } from '../../src/db/compiled-once.js'
import { buildTestApp, testDialects } from '../helpers/app.js'

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const app = await buildTestApp(t, dialect)
    const now = new Date().toISOString()
    await app.db.insertInto('customers')
      .values(['Alpha', 'Beta', 'Gamma'].map((name) => ({ name, name_folded: name.toLowerCase(), customer_account: null, created_at: now, updated_at: now })))
      .execute()

    t.test('each call runs the SQL compiled once with its own values, as the builder would', async (t) => {
      const byNameAfterId = compiledOnce((db, name: string, afterId: number) => db.selectFrom('customers')
        .select(['id', 'name'])
        .where('name', '=', name)
        .where('id', '>', afterId)
        .where('name', '!=', 'a constant'))
      for (const [name, afterId] of [['Beta', 0], ['Gamma', 0], ['Beta', 2], ['Nobody', 0]] as const) {
        const built = await app.db.selectFrom('customers').select(['id', 'name']).where('name', '=', name).where('id', '>', afterId).execute()
        t.same(await byNameAfterId(app.db, name, afterId), built, `${name} after ${afterId}`)
      }
    })

    t.test('it runs in a transaction when given one', async (t) => {
      const byName = compiledOnce((db, name: string) => db.selectFrom('customers').select('name').where('name', '=', name))
      await app.db.transaction().execute(async (trx) => {
        await trx.updateTable('customers').set({ name: 'Alpha 2' }).where('name', '=', 'Alpha').execute()
        t.same(await byName(trx, 'Alpha 2'), [{ name: 'Alpha 2' }])
        await trx.updateTable('customers').set({ name: 'Alpha' }).where('name', '=', 'Alpha 2').execute()
      })
    })

    t.test('per shape: each shape compiles its own SQL, and each call of a shape runs it with its own values', async (t) => {
      type Shape = { readonly descending: boolean, readonly names: number }
      let compilations = 0
      const byNames = compiledPerShape((shape: Shape) => `${shape.descending}`, (db, shape, values) => {
        compilations++
        return db.selectFrom('customers').select('name')
          .where('name', 'in', values as string[])
          .orderBy('name', shape.descending ? 'desc' : 'asc')
      })
      const names = (rows: Array<{ name: string }>) => rows.map((row) => row.name)
      t.same(names(await byNames(app.db, { descending: false, names: 2 }, ['Alpha', 'Gamma'])), ['Alpha', 'Gamma'])
      t.same(names(await byNames(app.db, { descending: true, names: 2 }, ['Alpha', 'Gamma'])), ['Gamma', 'Alpha'])
      t.same(names(await byNames(app.db, { descending: true, names: 2 }, ['Beta', 'Alpha'])), ['Beta', 'Alpha'])
      t.same(names(await byNames(app.db, { descending: true, names: 3 }, ['Beta', 'Alpha', 'Gamma'])), ['Gamma', 'Beta', 'Alpha'],
        'a different number of values is a different shape, even when the key does not say so')
      t.equal(compilations, 3, 'one compilation per shape and number of values')
    })

    t.test('compiled statements are prepared by name on PostgreSQL, once per connection; other SQL is not', {
      skip: dialect !== 'postgres' && 'PostgreSQL only'
    }, async (t) => {
      const byId = compiledOnce((db, id: number) => db.selectFrom('customers').select('name').where('id', '>=', id))
      await app.db.connection().execute(async (connection) => {
        const prepared = async () => (await sql<{ name: string, statement: string }>`select name, statement from pg_prepared_statements order by name`.execute(connection)).rows
        const before = await prepared()
        t.same((await byId(connection, 1)).length, 3)
        t.same((await byId(connection, 2)).length, 2, 'the prepared statement runs with the new value')
        const added = (await prepared()).filter((row) => !before.some((old) => old.name === row.name))
        t.equal(added.length, 1, 'one statement prepared for both calls')
        t.equal(added[0]?.name, preparedStatementName(added[0]?.statement ?? ''), 'under its name')
        t.match(added[0]?.name, /^cs_[0-9a-f]{32}$/)
        const count = (await prepared()).length
        await connection.selectFrom('customers').select('name').where('id', 'in', [1, 2]).execute()
        t.equal((await prepared()).length, count, 'SQL built per call is not prepared')
      })
    })

    t.test('an argument that is not a value of the query is refused, not silently fixed', async (t) => {
      const broken = compiledOnce((db, name: string) => db.selectFrom('customers').select('name').where('name', '=', String(name)))
      await t.rejects(broken(app.db, 'Alpha'), /argument 0 is not a value of the query/)
    })
  })
}

t.test('no more than MAX_PREPARED_STATEMENTS statements are ever named: later shapes run unnamed', async (t) => {
  const app = await buildTestApp(t, 'sqlite')
  const sqlOf: string[] = []
  const byIds = compiledPerShape((count: number) => String(count), (db, _count, values) => {
    const query = db.selectFrom('customers').select('id').where('id', 'in', values as number[])
    sqlOf.push(query.compile().sql)
    return query
  })
  for (let count = 1; count <= MAX_PREPARED_STATEMENTS + 1; count++) {
    await byIds(app.db, count, Array.from({ length: count }, (_, index) => index + 1))
  }
  const named = sqlOf.filter((text) => preparedStatementName(text) !== undefined)
  t.ok(named.length < sqlOf.length, `${named.length} of ${sqlOf.length} shapes named`)
  t.notOk(preparedStatementName(sqlOf.at(-1) as string), 'the last one is not')
})
