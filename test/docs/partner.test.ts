import { execFile } from 'node:child_process'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import openapiTS, { astToString } from 'openapi-typescript'
import { parse } from 'yaml'
import { buildTestApp, loginAs, testPassword } from '../helpers/app.js'

const run = promisify(execFile)
const specFile = new URL('../../openapi.yaml', import.meta.url)
const clientSource = new URL('../partner/client.ts', import.meta.url)

t.test('a client generated from openapi.yaml type-checks, covers every operation and works', async (t) => {
  const dir = t.testdir()
  const spec = await readFile(specFile, 'utf8')
  await writeFile(join(dir, 'schema.d.ts'), astToString(await openapiTS(spec)))
  await copyFile(clientSource, join(dir, 'client.ts'))
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['ES2023', 'DOM']
    },
    files: ['client.ts']
  }))
  const tsc = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname
  const checked = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(() => '', (error) => String(error.stdout))
  t.equal(checked, '', 'the partner client type-checks against the generated types')

  const source = await readFile(clientSource, 'utf8')
  const operations = Object.entries<Record<string, unknown>>(parse(spec).paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `.${method.toUpperCase()}('${path}'`))
  t.same(operations.filter((call) => !source.includes(call)), [], 'the client calls every operation')

  const app = await buildTestApp(t, 'sqlite')
  const email = 'partner@example.com'
  await loginAs(app, email)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const { runEveryOperation } = await import(join(dir, 'client.ts'))
  const { statuses, observed } = await runEveryOperation(`http://127.0.0.1:${port}`, email, testPassword)
  t.match(observed, { versionText: String, count: 0, attached: [Number], nextPage: null })
  t.same(statuses, {
    getVersion: 200,
    getLiveness: 200,
    getReadiness: 200,
    login: 200,
    createCustomerService: 201,
    updateCustomerService: 200,
    createCustomer: 201,
    getCustomer: 200,
    updateCustomer: 200,
    syncCustomerServices: 201,
    syncCustomerServicesWithWrongBody: 422,
    listCustomerServices: 200,
    getCustomerService: 200,
    listCustomersOfService: 200,
    listCustomers: 200,
    listCustomerAssignedServices: 200,
    checkCustomerService: 200,
    createCustomerToken: 201,
    unassignCustomerService: 204,
    customerTokenOnCatalog: 403,
    assignCustomerService: 201,
    bulkAssignCustomerService: 200,
    listCustomerAssignmentHistory: 200,
    listServiceAssignmentHistory: 200,
    listChangeEvents: 200,
    deleteCustomerServiceWhileAssigned: 409,
    deleteCustomer: 204,
    deleteCustomerService: 204,
    logout: 200
  })
})
