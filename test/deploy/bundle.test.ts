import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { freePort } from '../helpers/server-process.js'

const root = new URL('../../', import.meta.url).pathname
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>

t.test('the bundled server, as `npm run build` makes it, migrates, serves the API and the docs, and stops on SIGTERM', async (t) => {
  // A folder shaped like the project: the bundle finds package.json and migrations/ one level up.
  const folder = mkdtempSync(join(tmpdir(), 'bundle-'))
  t.teardown(() => rmSync(folder, { recursive: true, force: true }))
  for (const name of ['package.json', 'migrations', 'node_modules']) symlinkSync(join(root, name), join(folder, name))
  const outdir = join(folder, 'dist')
  const outfile = join(outdir, 'server.js')
  const build = scripts.build?.replace('--outdir=dist', `--outdir=${outdir}`)
  t.ok(build?.includes(outdir), 'npm run build writes dist/')
  await promisify(execFile)('sh', ['-c', `PATH=node_modules/.bin:$PATH ${build as string}`], { cwd: root })

  const port = await freePort()
  const child = spawn(process.execPath, [outfile], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: join(folder, 'data.sqlite') },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = once(child, 'exit')
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  const origin = `http://127.0.0.1:${port}`
  let ready: Response | undefined
  for (let attempt = 0; attempt < 600 && ready === undefined && child.exitCode === null; attempt++) {
    try { ready = await fetch(`${origin}/health/ready`) } catch { await new Promise((resolve) => setTimeout(resolve, 50)) }
  }
  t.equal(ready?.status, 200, stderr)
  const unauthenticated = await fetch(`${origin}/api/v1/customers`)
  t.equal(unauthenticated.status, 401)
  t.same(await unauthenticated.json(), { message: 'Unauthenticated.' })
  t.equal((await fetch(`${origin}/docs/static/swagger-ui.css`)).status, 200, 'Swagger UI finds its files')
  t.match(await (await fetch(`${origin}/openapi.yaml`)).text(), /^openapi: 3\.1\.0/)

  child.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0, stderr)
})
