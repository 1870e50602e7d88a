import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { ConnectionUse } from '../db/database.js'
import { openDatabase } from '../db/open-database.js'
import type { DB } from '../db/tables.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>
    changeMark: (() => string) | null
    connectionUse: () => ConnectionUse
    onCommit: ((listener: (writes: number) => void) => void) | null
  }
}

export default fp<{ config: Config, migrate: boolean }>(async (app, options) => {
  const { db, changeMark, connectionUse, onCommit } = await openDatabase(options.config, {
    migrate: options.migrate,
    onConnectionLost: (error) => app.log.warn({ err: error }, 'database connection lost')
  })
  app.decorate('db', db)
  app.decorate('changeMark', changeMark)
  app.decorate('connectionUse', connectionUse)
  app.decorate('onCommit', onCommit)
  app.addHook('onClose', async () => { await db.destroy() })
}, { name: 'database' })
