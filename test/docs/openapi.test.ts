import { readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { generateOpenApiYaml } from '../../src/openapi-document.js'

t.test('the committed openapi.yaml is what the route schemas generate (run `npm run openapi`)', async (t) => {
  const committed = await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8')
  t.equal(committed, await generateOpenApiYaml())
})

t.test('every operation has an id, a tag and a summary, and every /api/v1 operation needs the bearer token', async (t) => {
  const document = parse(await generateOpenApiYaml())
  t.equal(document.openapi, '3.1.0')
  for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      t.type(operation.operationId, 'string', `${method} ${path} operationId`)
      t.ok(operation.tags?.length > 0, `${method} ${path} tag`)
      t.type(operation.summary, 'string', `${method} ${path} summary`)
      if (path.startsWith('/api/v1')) t.same(operation.security, [{ bearerAuth: [] }], `${method} ${path} security`)
    }
  }
})
