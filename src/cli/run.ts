import { loadConfig } from '../config.js'
import { createDatabase, type Database } from '../db/database.js'
import { migrateToLatest } from '../db/migrator.js'

export class UsageError extends Error {}

/**
 * Runs a command against the database that DATABASE_URL names, migrated first.
 * Failures print one line and exit non-zero.
 */
export async function runCommand (work: (database: Database, applied: string[]) => Promise<string>): Promise<void> {
  let database: Database | undefined
  try {
    const config = loadConfig()
    database = createDatabase(config.database, { sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs, postgresTimeoutMs: config.databaseTimeoutMs })
    const { results = [] } = await migrateToLatest(database.db, database.dialect)
    const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName)
    process.stdout.write(`${await work(database, applied)}\n`)
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`)
    process.exitCode = 1
  } finally {
    await database?.db.destroy()
  }
}
