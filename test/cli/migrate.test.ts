import { randomInt } from 'node:crypto'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { databaseUrlFor, testDialects } from '../helpers/app.js'
import { migrateScript, migrationStems, recordedMigrations, runScript, serverScript } from '../helpers/migrate.js'

const refusal = 'the database was migrated by a newer version of the service (it has 9999.do.from-the-future, ' +
  'which this version does not); deploy that version or newer'

for (const dialect of testDialects()) {
  t.test(`${dialect}: migrate and the server refuse a database migrated by a newer version, with one line and exit code 1`, async (t) => {
    const url = dialect === 'sqlite' ? join(t.testdir(), 'service.sqlite') : await databaseUrlFor(t, dialect)
    const first = await runScript(migrateScript, { DATABASE_URL: url })
    t.equal(first.code, 0, first.stderr)
    t.equal(first.stdout, `${dialect}: applied ${(await migrationStems(dialect)).join(', ')}\n`)
    const { db } = createDatabase(parseDatabaseUrl(url))
    await sql`insert into kysely_migration (name, timestamp) values (${'9999.do.from-the-future'}, ${new Date().toISOString()})`.execute(db)
    await db.destroy()

    const migrate = await runScript(migrateScript, { DATABASE_URL: url })
    t.equal(migrate.code, 1)
    t.equal(migrate.stderr, `error: ${refusal}\n`)
    t.equal(migrate.stdout, '')

    const server = await runScript(serverScript, { DATABASE_URL: url, HOST: '127.0.0.1', PORT: String(randomInt(20_000, 60_000)) })
    t.equal(server.code, 1)
    t.equal(server.stderr, `customer-services: cannot migrate the database: ${refusal}\n`)
    t.same(await recordedMigrations(url), [...await migrationStems(dialect), '9999.do.from-the-future'], 'nothing was applied or removed')
  })
}
