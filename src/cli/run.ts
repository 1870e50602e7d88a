import { loadConfig } from '../config.js'
import { openDatabase, type OpenedDatabase } from '../db/open-database.js'

export class UsageError extends Error {}

/**
 * Runs a command against the database that DATABASE_URL names, migrated first.
 * Failures print one line and exit non-zero.
 */
export async function runCommand (work: (database: OpenedDatabase) => Promise<string>): Promise<void> {
  let database: OpenedDatabase | undefined
  try {
    database = await openDatabase(loadConfig(), { migrate: true })
    process.stdout.write(`${await work(database)}\n`)
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`)
    process.exitCode = 1
  } finally {
    await database?.db.destroy()
  }
}
