import { buildApp } from './app.js'
import { loadConfig } from './config.js'

/** The OpenAPI document as the routes' schemas describe it, in YAML. */
export async function generateOpenApiYaml (): Promise<string> {
  const app = await buildApp(loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' }))
  try {
    await app.ready()
    return app.swagger({ yaml: true })
  } finally {
    await app.close()
  }
}
