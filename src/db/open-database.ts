import type { Config } from '../config.js'
import { createDatabase, type Database } from './database.js'
import { migrateToLatest } from './migrator.js'

export class MigrationFailedError extends Error {}

export interface OpenedDatabase extends Database {
  /** The migrations this opening applied, in order (none without `migrate`). */
  readonly applied: readonly string[]
}

export interface OpenOptions {
  /** Applies the migrations the database lacks before it is handed out. */
  readonly migrate: boolean
  /** Told when PostgreSQL drops a connection; the pool replaces it. */
  readonly onConnectionLost?: (error: Error) => void
}

/**
 * The database the configuration names, migrated when asked: how the server, the commands
 * and the tests all open it. A failed migration closes it again and throws MigrationFailedError.
 */
export async function openDatabase (config: Config, options: OpenOptions): Promise<OpenedDatabase> {
  const database = createDatabase(config.database, {
    sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs,
    postgresTimeoutMs: config.databaseTimeoutMs,
    ...(options.onConnectionLost !== undefined && { onConnectionLost: options.onConnectionLost })
  })
  if (!options.migrate) return { ...database, applied: [] }
  try {
    const { results = [] } = await migrateToLatest(database.db, database.dialect)
    return { ...database, applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) }
  } catch (error) {
    await database.db.destroy().catch(() => {})
    throw new MigrationFailedError((error as Error).message, { cause: error })
  }
}
