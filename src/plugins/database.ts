import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import { createDatabase, type ConnectionUse, type DialectName } from '../db/database.js'
import type { DB } from '../db/tables.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>
    dialect: DialectName
    changeMark: (() => string) | null
    connectionUse: () => ConnectionUse
  }
}

export default fp<{ database: DatabaseConfig, sqliteBusyTimeoutMs: number, timeoutMs: number }>(async (app, options) => {
  const { db, dialect, changeMark, connectionUse } = createDatabase(options.database, {
    sqliteBusyTimeoutMs: options.sqliteBusyTimeoutMs,
    postgresTimeoutMs: options.timeoutMs,
    onConnectionLost: (error) => app.log.warn({ err: error }, 'database connection lost')
  })
  app.decorate('db', db)
  app.decorate('dialect', dialect)
  app.decorate('changeMark', changeMark)
  app.decorate('connectionUse', connectionUse)
  app.addHook('onClose', async () => { await db.destroy() })
}, { name: 'database' })
