import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { migrationNames } from '../../src/db/migrator.js'
import type { TestDialect } from './app.js'

const run = promisify(execFile)

export const migrateScript = new URL('../../src/cli/migrate.ts', import.meta.url).pathname
export const serverScript = new URL('../../src/server.ts', import.meta.url).pathname

/**
 * Runs a script as its npm script would, from source through tsx (several times faster to
 * start than tap's loader, which matters on a busy machine); a process that never exits is killed.
 */
export async function runScript (script: string, env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      timeout: 90_000
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number, stdout: string, stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

/** The migrations of this version, as the database records them. */
export async function migrationStems (dialect: TestDialect): Promise<string[]> {
  return (await migrationNames(dialect)).map((file) => file.replace(/\.sql$/, ''))
}

/** The migrations the database at `url` records, by name. */
export async function recordedMigrations (url: string): Promise<string[]> {
  const { db } = createDatabase(parseDatabaseUrl(url))
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
    return rows.map((row) => row.name)
  } finally {
    await db.destroy()
  }
}
