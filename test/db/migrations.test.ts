import { readdir } from 'node:fs/promises'
import { sql } from 'kysely'
import t from 'tap'
import { createDatabase } from '../../src/db/database.js'
import { createMigrator, DatabaseTooNewError, migrateToLatest, migrationNames, splitStatements } from '../../src/db/migrator.js'
import { databaseUrlFor, testDialects } from '../helpers/app.js'
import { parseDatabaseUrl } from '../../src/config.js'
import { listServicesOfCustomer, listServicesOfCustomerAt } from '../../src/db/queries/assignments.js'
import { deleteCustomerService } from '../../src/db/queries/customer-services.js'

t.test('both dialects have the same migration stems', async (t) => {
  const stems = async (dialect: 'sqlite' | 'postgres') => (await migrationNames(dialect)).map((name) => name.replace(/\.sql$/, ''))
  t.same(await stems('sqlite'), await stems('postgres'))
  t.ok((await stems('sqlite')).length > 0)
  const files = await readdir(new URL('../../migrations/sqlite/', import.meta.url))
  t.same(files.filter((file) => !/^\d{4}\.do\.[a-z0-9-_]+\.sql$/.test(file)), [], 'every file is named NNNN.do.<name>.sql')
})

t.test('statements split at semicolons that end a line, comments dropped', async (t) => {
  t.same(splitStatements('-- note\nCREATE TABLE a (x TEXT DEFAULT \';\');\n\nCREATE INDEX b ON a (x);\n'), [
    "CREATE TABLE a (x TEXT DEFAULT ';')",
    'CREATE INDEX b ON a (x)'
  ])
})

for (const dialect of testDialects()) {
  t.test(`${dialect}: the row counts start from the rows a database already has`, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    const [first] = await migrationNames(dialect)
    t.equal((await createMigrator(db, name).migrateTo((first as string).replace(/\.sql$/, ''))).error, undefined)
    const now = new Date().toISOString()
    await db.insertInto('customers').values([1, 2, 3].map((i) => ({ name: `c${i}`, name_folded: `c${i}`, customer_account: `CL00000${i}`, created_at: now, updated_at: now }))).execute()
    await migrateToLatest(db, name)
    const counts = await db.selectFrom('row_counts').selectAll().orderBy('table_name').execute()
    t.same(counts.map((row) => [row.table_name, Number(row.row_count)]), [['customer_services', 0], ['customers', 3]])
  })

  t.test(`${dialect}: a database migrated by a newer version is refused, and left as it is`, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    await migrateToLatest(db, name)
    await sql`insert into kysely_migration (name, timestamp) values (${'9999.do.from-the-future'}, ${new Date().toISOString()})`.execute(db)
    await t.rejects(migrateToLatest(db, name), new DatabaseTooNewError(['9999.do.from-the-future']))
    await t.rejects(migrateToLatest(db, name), {
      message: 'the database was migrated by a newer version of the service (it has 9999.do.from-the-future, which this version does not); deploy that version or newer'
    })
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db)
    t.same(rows.map((row) => row.name).sort(), [...(await migrationNames(dialect)).map((file) => file.replace(/\.sql$/, '')), '9999.do.from-the-future'])
  })

  t.test(`${dialect}: migrating twice applies each migration once`, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    const first = await migrateToLatest(db, name)
    t.same(first.results?.map((result) => result.status), (await migrationNames(dialect)).map(() => 'Success'))
    const second = await migrateToLatest(db, name)
    t.same(second.results, [])
    const tables = await db.introspection.getTables()
    t.same(tables.map((table) => table.name).filter((table) => !table.startsWith('kysely_')).sort(),
      ['api_tokens', 'assignment_history', 'change_events', 'customer_customer_service', 'customer_services', 'customers', 'deleted_customer_services',
        'idempotency_keys', 'row_counts', 'users'])
  })

  t.test(`${dialect}: assignments made before history began get an attach at their own time, with their version`, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    const names = await migrationNames(dialect)
    const before = names[names.indexOf('0003.do.assignment-history.sql') - 1] as string
    t.equal((await createMigrator(db, name).migrateTo(before.replace(/\.sql$/, ''))).error, undefined)
    const then = '2025-03-01T10:00:00.000Z'
    const later = '2025-06-01T10:00:00.000Z'
    await db.insertInto('customers').values({ name: 'c', name_folded: 'c', customer_account: 'CL000001', created_at: then, updated_at: then }).execute()
    await db.insertInto('customer_services').values(['a', 'b'].map((key) => ({ key, name: key, name_folded: key, can_be_enabled: 0, customers_count: 1, created_at: then, updated_at: then }))).execute()
    await db.insertInto('customer_customer_service').values([
      { customer_id: 1, customer_service_id: 1, version: '2.0', created_at: then, updated_at: later },
      { customer_id: 1, customer_service_id: 2, version: null, created_at: later, updated_at: later }
    ]).execute()
    await migrateToLatest(db, name)
    const rows = await db.selectFrom('assignment_history').selectAll().orderBy('id').execute()
    t.same(rows.map((row) => [row.customer_id, row.customer_service_id, row.service_key, row.action, row.version_before, row.version_after, new Date(row.created_at).toISOString()]), [
      [1, 1, 'a', 'attached', null, '2.0', then],
      [1, 2, 'b', 'attached', null, null, later]
    ])
    t.match(rows[0]?.reason, /history began/)
    t.same(await db.selectFrom('change_events').selectAll().execute(), [], 'no events: consumers start from the current state')
    const query = { filters: [], sorts: [{ field: 'id' as const, direction: 'asc' as const }], page: 1, perPage: 10 }
    const at = async (time: string) => (await listServicesOfCustomerAt(db, 1, query, new Date(time))).rows.map((row) => [row.id, row.pivot.version])
    t.same(await at('2025-01-01T00:00:00Z'), [])
    t.same(await at('2025-04-01T00:00:00Z'), [[1, '2.0']])
    t.same(await at('2026-01-01T00:00:00Z'), [[1, '2.0'], [2, null]])
    const current = await listServicesOfCustomer(db, 1, query)
    t.equal(current.etag, `"v${Number(rows[1]?.id)}"`)
  })

  t.test(`${dialect}: the catalog is kept as it is by the migration that keeps deleted entries`, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    const names = await migrationNames(dialect)
    const before = names[names.indexOf('0007.do.deleted-customer-services.sql') - 1] as string
    t.equal((await createMigrator(db, name).migrateTo(before.replace(/\.sql$/, ''))).error, undefined)
    const then = '2025-03-01T10:00:00.000Z'
    const later = '2025-06-01T10:00:00.000Z'
    await db.insertInto('customers').values({ name: 'c', name_folded: 'c', customer_account: 'CL000001', created_at: then, updated_at: then }).execute()
    await db.insertInto('customer_services').values(['a', 'b'].map((key) => ({
      key, name: `Service ${key}`, name_folded: `service ${key}`, description: key === 'a' ? 'first' : null, can_be_enabled: 1, customers_count: 0, created_at: then, updated_at: then
    }))).execute()
    await db.updateTable('row_counts').set({ row_count: 2 }).where('table_name', '=', 'customer_services').execute()
    await db.insertInto('assignment_history').values([
      { customer_id: 1, customer_service_id: 1, service_key: 'a', action: 'attached', version_before: null, version_after: '2.0', created_at: then },
      { customer_id: 1, customer_service_id: 1, service_key: 'a', action: 'detached', version_before: '2.0', version_after: null, created_at: later }
    ]).execute()
    const catalog = async () => (await db.selectFrom('customer_services').selectAll().orderBy('id').execute())
      .map((row) => ({ ...row, can_be_enabled: Boolean(row.can_be_enabled), created_at: new Date(row.created_at).toISOString() }))
    const catalogBefore = await catalog()
    await migrateToLatest(db, name)
    t.same(await catalog(), catalogBefore)

    const deletion = new Date('2025-07-01T10:00:00.000Z')
    t.same(await deleteCustomerService(db, 1, { userId: null, tokenId: null, reason: null, at: deletion }), { status: 'deleted' })
    const query = { filters: [], sorts: [{ field: 'id' as const, direction: 'asc' as const }], page: 1, perPage: 10 }
    const { rows } = await listServicesOfCustomerAt(db, 1, query, new Date('2025-04-01T00:00:00Z'))
    t.match(rows, [{ id: 1, key: 'a', name: 'Service a', description: 'first', can_be_enabled: true, pivot: { version: '2.0' }, deleted_at: '2025-07-01T10:00:00.000000Z' }])
    t.equal(rows.length, 1)
  })
}
