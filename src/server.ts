import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { MigrationFailedError } from './db/open-database.js'

function fail (message: string): never {
  process.stderr.write(`customer-services: ${message}\n`)
  process.exit(1)
}

let config: Config
try {
  config = loadConfig()
} catch (error) {
  if (error instanceof ConfigError) fail(error.message)
  throw error
}

const app = await buildApp(config, { migrate: true }).catch((error: Error) =>
  fail(`${error instanceof MigrationFailedError ? 'cannot migrate' : 'cannot open'} the database: ${error.message}`))

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

try {
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  await app.close().catch(() => {})
  fail(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`)
}
