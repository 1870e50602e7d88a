import { readdir, readFile } from 'node:fs/promises'
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'
import { projectRoot } from '../project-root.js'
import type { DialectName } from './database.js'

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

class SqlFileMigrationProvider implements MigrationProvider {
  constructor (private readonly dialect: DialectName) {}

  async getMigrations (): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {}
    for (const file of await migrationNames(this.dialect)) {
      const statements = splitStatements(await readFile(new URL(`${this.dialect}/${file}`, migrationsRoot), 'utf8'))
      migrations[file.replace(/\.sql$/, '')] = {
        up: async (db) => {
          // Kysely runs SQLite migrations outside a transaction: give each file its own.
          if (this.dialect === 'sqlite') {
            await db.transaction().execute(async (trx) => {
              for (const statement of statements) await sql.raw(statement).execute(trx)
            })
          } else {
            for (const statement of statements) await sql.raw(statement).execute(db)
          }
        }
      }
    }
    return migrations
  }
}

export function createMigrator (db: Kysely<any>, dialect: DialectName): Migrator {
  return new Migrator({ db, provider: new SqlFileMigrationProvider(dialect) })
}

export async function migrateToLatest (db: Kysely<any>, dialect: DialectName): Promise<MigrationResultSet> {
  const result = await createMigrator(db, dialect).migrateToLatest()
  if (result.error !== undefined) {
    throw result.error instanceof Error ? result.error : new Error(String(result.error))
  }
  return result
}
