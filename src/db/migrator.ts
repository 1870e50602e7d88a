import { readdir, readFile } from 'node:fs/promises'
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'
import { projectRoot } from '../project-root.js'
import { withoutTimeouts } from './database.js'
import type { DialectName } from './dialect.js'

const migrationsRoot = new URL('migrations/', projectRoot)
const migrationFile = /^(\d{4})\.do\.([a-z0-9-_]+)\.sql$/

/**
 * Migrations are plain SQL files, one folder per dialect, with the same stems in
 * each (`0001.do.initial.sql`). Statements end with `;` at the end of a line.
 */
export function splitStatements (script: string): string[] {
  return script
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '')
}

export async function migrationNames (dialect: DialectName): Promise<string[]> {
  const files = await readdir(new URL(`${dialect}/`, migrationsRoot))
  return files.filter((file) => migrationFile.test(file)).sort()
}

/** A migration's name as the database records it: its file name without `.sql`. */
const migrationStem = (file: string) => file.replace(/\.sql$/, '')

/** The database records migrations this code does not have: a newer version of the service migrated it. */
export class DatabaseTooNewError extends Error {
  constructor (readonly unknownMigrations: readonly string[]) {
    super(`the database was migrated by a newer version of the service (it has ${unknownMigrations.join(', ')}, ` +
      'which this version does not); deploy that version or newer')
  }
}

class SqlFileMigrationProvider implements MigrationProvider {
  constructor (private readonly dialect: DialectName) {}

  async getMigrations (): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {}
    for (const file of await migrationNames(this.dialect)) {
      const statements = splitStatements(await readFile(new URL(`${this.dialect}/${file}`, migrationsRoot), 'utf8'))
      migrations[migrationStem(file)] = {
        up: async (db) => {
          for (const statement of statements) await sql.raw(statement).execute(db)
        }
      }
    }
    return migrations
  }
}

export function createMigrator (db: Kysely<any>, dialect: DialectName): Migrator {
  return new Migrator({ db, provider: new SqlFileMigrationProvider(dialect) })
}

/** Migrations the database records that this code does not have; none when it has no record yet. */
async function unknownMigrations (db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  let recorded: Array<{ name: string }>
  try {
    recorded = await db.selectFrom(DEFAULT_MIGRATION_TABLE).select('name').execute()
  } catch {
    return []
  }
  const known = new Set((await migrationNames(dialect)).map(migrationStem))
  return recorded.map((row) => row.name).filter((name) => !known.has(name)).sort()
}

/** How long a process waits for another one's migrations to finish on SQLite (PostgreSQL waits for its lock as long as it takes, free of DATABASE_TIMEOUT). */
const SQLITE_MIGRATION_WAIT_MS = 10 * 60 * 1000

/**
 * Applies the pending migrations, all in one transaction. Processes starting together apply
 * each migration once: the others wait (for Kysely's advisory lock on PostgreSQL, for the
 * write lock on SQLite), then find nothing to do. A database that a newer version has
 * migrated is refused with a DatabaseTooNewError.
 */
export async function migrateToLatest (db: Kysely<any>, dialect: DialectName): Promise<MigrationResultSet> {
  const result = dialect === 'sqlite'
    ? await withBusyTimeout(db, SQLITE_MIGRATION_WAIT_MS, async () => await createMigrator(db, dialect).migrateToLatest())
    : await withoutTimeouts(db, async (connection) => await createMigrator(connection, dialect).migrateToLatest())
  if (result.error !== undefined) {
    // Kysely refuses, under its lock, a database recording migrations it does not know (so a
    // newer replica that migrated a moment ago is caught too), but its message says "corrupted".
    const unknown = await unknownMigrations(db, dialect)
    if (unknown.length > 0) throw new DatabaseTooNewError(unknown)
    throw result.error instanceof Error ? result.error : new Error(String(result.error))
  }
  return result
}

/** SQLite's connection waits up to `ms` for another process's write lock while `work` runs. */
async function withBusyTimeout<T> (db: Kysely<any>, ms: number, work: () => Promise<T>): Promise<T> {
  const { rows } = await sql.raw<{ timeout: number }>('pragma busy_timeout').execute(db)
  const previous = Number(rows[0]?.timeout ?? 0)
  await sql.raw(`pragma busy_timeout = ${ms}`).execute(db)
  try {
    return await work()
  } finally {
    await sql.raw(`pragma busy_timeout = ${previous}`).execute(db)
  }
}
