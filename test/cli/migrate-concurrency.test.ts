import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { databaseUrlFor, testDialects } from '../helpers/app.js'
import { migrateScript, migrationStems, recordedMigrations, runScript } from '../helpers/migrate.js'

const migrateAtScript = new URL('../helpers/migrate-at.ts', import.meta.url).pathname

/** Kysely's PostgreSQL migration lock: a session advisory lock on this key (kysely/dist/esm/dialect/postgres/postgres-adapter.js). */
const KYSELY_MIGRATION_LOCK = '3853314791062309107'

t.test('postgres: two migrate processes started at once both succeed, and each migration runs once', { skip: !testDialects().includes('postgres') && 'needs TEST_DATABASE_URL' }, async (t) => {
  const url = await databaseUrlFor(t, 'postgres')
  // Hold the migration lock until both processes wait for it, so they certainly overlap.
  const holder = new pg.Client({ connectionString: url })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query(`select pg_advisory_lock(${KYSELY_MIGRATION_LOCK})`)

  const processes = [runScript(migrateScript, { DATABASE_URL: url }), runScript(migrateScript, { DATABASE_URL: url })]
  let waiting = 0
  for (let attempt = 0; attempt < 1200 && waiting < 2; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const { rows } = await holder.query(`select count(*)::int as waiting from pg_locks
      where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`)
    waiting = rows[0].waiting
  }
  t.equal(waiting, 2, 'both processes wait for the lock')
  await holder.query(`select pg_advisory_unlock(${KYSELY_MIGRATION_LOCK})`)

  const results = await Promise.all(processes)
  t.same(results.map((result) => result.code), [0, 0], results.map((result) => result.stderr).join(''))
  t.same(results.map((result) => result.stdout).sort(), [
    `postgres: applied ${(await migrationStems('postgres')).join(', ')}\n`,
    'postgres: the database is up to date\n'
  ], 'one applied every migration, the other found nothing to do')
  t.same(await recordedMigrations(url), await migrationStems('postgres'), 'each migration recorded once')
})

t.test('sqlite: four migrate processes opening one new file at the same instant all succeed, and each migration runs once', async (t) => {
  const stems = await migrationStems('sqlite')
  for (let round = 1; round <= 3; round++) {
    const file = join(t.testdir(), `round-${round}.sqlite`)
    // Late enough for every process to have started (tsx takes about a second on a busy machine).
    const at = String(Date.now() + 4000)
    const results = await Promise.all(Array.from({ length: 4 }, async () => await runScript(migrateAtScript, { DATABASE_URL: file, MIGRATE_AT: at })))
    t.same(results.map((result) => result.code), [0, 0, 0, 0], `round ${round}: ${results.map((result) => result.stderr).join('')}`)
    t.same(results.map((result) => result.stdout).sort(), [
      `sqlite: applied ${stems.join(', ')}\n`,
      ...Array(3).fill('sqlite: the database is up to date\n')
    ], `round ${round}: one applied every migration, the others found nothing to do`)
    t.same(await recordedMigrations(file), stems, `round ${round}: each migration recorded once`)
  }
})
