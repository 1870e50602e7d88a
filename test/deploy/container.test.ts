import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import dockerignore from '@balena/dockerignore'
import { DockerfileParser, type Instruction } from 'dockerfile-ast'
import t from 'tap'
import { freePort } from '../helpers/server-process.js'

// `npm ci --omit=dev` compiles better-sqlite3: minutes on a busy two-core machine.
t.setTimeout(15 * 60_000)

const root = new URL('../../', import.meta.url).pathname
const dockerfile = DockerfileParser.parse(await readFile(join(root, 'Dockerfile'), 'utf8'))

interface Stage {
  readonly name: string
  readonly image: string
  readonly instructions: Instruction[]
}

/** The Dockerfile's stages in order, each with the instructions that follow its FROM. */
function stagesOf (instructions: Instruction[]): Stage[] {
  const stages: Stage[] = []
  for (const instruction of instructions) {
    const [image = '', as, name = ''] = instruction.getArguments().map((argument) => argument.getValue())
    if (instruction.getKeyword() === 'FROM') stages.push({ name: as?.toUpperCase() === 'AS' ? name : '', image, instructions: [] })
    else stages.at(-1)?.instructions.push(instruction)
  }
  return stages
}

const stages = stagesOf(dockerfile.getInstructions())
const runtime = stages.at(-1) as Stage
const argumentsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((instruction) => instruction.getKeyword() === keyword).map((instruction) => instruction.getArgumentsContent() ?? '')
const flagsOf = (instruction: Instruction) =>
  'getFlags' in instruction ? (instruction.getFlags as () => Array<{ getName: () => string, getValue: () => string | null }>)() : []
/** An exec-form instruction's argv, or undefined for the shell form. */
function execForm (content: string): string[] | undefined {
  try {
    const argv: unknown = JSON.parse(content)
    return Array.isArray(argv) && argv.every((item) => typeof item === 'string') ? argv : undefined
  } catch {
    return undefined
  }
}
const runtimeCmd = execForm(argumentsOf(runtime, 'CMD').at(-1) ?? '')
const healthcheck = execForm((argumentsOf(runtime, 'HEALTHCHECK').at(-1) ?? '').replace(/^CMD\s+/, ''))
/** What the runtime stage copies from the build context (not from another stage). */
const contextCopies = runtime.instructions
  .filter((instruction) => instruction.getKeyword() === 'COPY' && !flagsOf(instruction).some((flag) => flag.getName() === 'from'))
  .flatMap((instruction) => instruction.getArguments().map((argument) => argument.getValue()).slice(0, -1))
const dependencyStage = stages.find((stage) => argumentsOf(stage, 'RUN').some((command) => command.startsWith('npm ci --omit=dev')))

t.test('the Dockerfile builds in stages and runs on the Node LTS that CI tests', async (t) => {
  const ciScript = await readFile(join(root, '.ci/run'), 'utf8')
  const ciNodeMajor = /^image_node_major=(\d+)$/m.exec(ciScript)?.[1]
  t.ok(ciNodeMajor, '.ci/run names the Node major of the image')
  t.ok(stages.length >= 2, 'multi-stage')
  for (const stage of stages) {
    t.match(stage.image, /^node:\d+-[a-z]+-slim$/, `${stage.name} starts from a slim Node image pinned by tag`)
    t.equal(stage.image.split(/[:-]/)[1], ciNodeMajor, `${stage.name} runs the Node major CI tests`)
  }
  t.equal(new Set(stages.map((stage) => stage.image)).size, 1, 'one base image, so compiled modules match the runtime')

  t.ok(dependencyStage, 'a stage installs production dependencies only')
  t.not(dependencyStage, runtime)
  t.notOk(argumentsOf(runtime, 'RUN').some((command) => /apt-get|apk|npm (ci|install)|g\+\+|make/.test(command)),
    'the runtime stage installs nothing: no compilers, no dev dependencies')
  const fromStages = runtime.instructions.flatMap(flagsOf).filter((flag) => flag.getName() === 'from').map((flag) => flag.getValue())
  t.same(new Set(fromStages), new Set([dependencyStage?.name, stages[0]?.name]), 'it takes node_modules from the deps stage and dist from the build stage')

  t.same(argumentsOf(runtime, 'ENV'), ['NODE_ENV=production'])
  const user = argumentsOf(runtime, 'USER').at(-1)
  t.ok(user !== undefined && !/^(root|0)(:|$)/.test(user), `runs as a non-root user (${user})`)
  t.same(argumentsOf(runtime, 'EXPOSE'), ['3000'], 'exposes the default PORT')
  const workdir = argumentsOf(runtime, 'WORKDIR').at(-1)
  const volumes = argumentsOf(runtime, 'VOLUME').flatMap((content) => execForm(content) ?? content.split(/\s+/))
  t.same(volumes, [`${workdir}/data`], 'the SQLite data directory of the default DATABASE_URL is a volume')
  t.ok(runtimeCmd, 'CMD is in exec form, so signals reach Node')
  t.match(runtimeCmd?.[0], /^node$/)
  t.ok(healthcheck, 'HEALTHCHECK is in exec form')
  t.match(healthcheck?.join(' '), /^node -e .*\/health\/ready/, 'the health check probes readiness with Node alone')
})

t.test('.dockerignore keeps tests, bench, data, secrets, .git and node_modules out of the build', async (t) => {
  const ignore = dockerignore.default().add(await readFile(join(root, '.dockerignore'), 'utf8'))
  for (const path of ['test', 'test/routes/customers.test.ts', 'bench', 'bench/run.ts', 'data', 'data/customer-services.sqlite',
    '.env', '.env.production', 'src/.env', '.git', '.git/HEAD', 'node_modules', 'node_modules/fastify/package.json', 'coverage', 'dist']) {
    t.ok(ignore.ignores(path), `${path} stays out`)
  }
  const copied = stages.flatMap((stage) => stage.instructions)
    .filter((instruction) => instruction.getKeyword() === 'COPY' && flagsOf(instruction).length === 0)
    .flatMap((instruction) => instruction.getArguments().map((argument) => argument.getValue()).slice(0, -1))
  t.ok(copied.length > 0)
  for (const path of copied) t.notOk(ignore.ignores(path), `${path}, which the Dockerfile copies, gets in`)
})

/**
 * The environment of the container, not of this test: no tsx loader or coverage hooks in
 * NODE_OPTIONS. The Node running this test comes first in PATH, and npm keeps its cache and
 * the Node headers it compiles against.
 */
const containerEnv: NodeJS.ProcessEnv = {
  PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
  HOME: process.env.HOME,
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => /^npm_config_(cache|nodedir|registry)$/i.test(name)))
}

/** Runs a command to its end; resolves with its exit code and output. */
async function run (argv: string[], options: { cwd: string, env: NodeJS.ProcessEnv }) {
  const child = spawn(argv[0] as string, argv.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const [code] = await once(child, 'exit')
  return { code: code as number | null, output }
}

async function waitForReady (port: number): Promise<Response> {
  const deadline = Date.now() + 120_000
  while (true) {
    try {
      return await fetch(`http://127.0.0.1:${port}/health/ready`)
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

t.test('the runtime stage, rebuilt as processes with production dependencies only, migrates, serves and stops cleanly', async (t) => {
  // Outside the repository, so that nothing resolves from its node_modules.
  const app = await mkdtemp(join(tmpdir(), 'customer-services-image-'))
  t.teardown(() => rm(app, { recursive: true, force: true }))
  // The build stage's `npm run build`, into a fresh folder.
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const buildCommand = scripts.build?.replace('--outdir=dist', `--outdir=${join(app, 'dist')}`) as string
  const build = await run(['sh', '-c', buildCommand], { cwd: root, env: { ...containerEnv, PATH: [join(root, 'node_modules/.bin'), containerEnv.PATH].join(delimiter) } })
  t.equal(build.code, 0, 'the TypeScript builds', { output: build.output })
  // The deps stage: its own copies and its `npm ci`, the cache preferred to the registry.
  const dependencyCopies = (dependencyStage as Stage).instructions.filter((instruction) => instruction.getKeyword() === 'COPY')
    .flatMap((instruction) => instruction.getArguments().map((argument) => argument.getValue()).slice(0, -1))
  for (const path of new Set([...dependencyCopies, ...contextCopies])) await cp(join(root, path), join(app, path), { recursive: true })
  const install = argumentsOf(dependencyStage as Stage, 'RUN').find((command) => command.startsWith('npm ci')) as string
  const installed = await run([...install.split(/\s+/), '--prefer-offline'], { cwd: app, env: containerEnv })
  t.equal(installed.code, 0, `${install} succeeds`, { output: installed.output })
  const { devDependencies } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
  const devInstalled = await Promise.all(Object.keys(devDependencies).map(async (name) =>
    await stat(join(app, 'node_modules', name)).then(() => name, () => undefined)))
  t.same(devInstalled.filter(Boolean), [], 'no dev dependency is installed')

  const port = String(await freePort())
  const env = { ...containerEnv, NODE_ENV: 'production', PORT: port, HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  const server = spawn(runtimeCmd?.[0] as string, runtimeCmd?.slice(1) ?? [], { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  server.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = once(server, 'exit')
  t.teardown(() => { if (server.exitCode === null) server.kill('SIGKILL') })

  t.equal((await waitForReady(Number(port))).status, 200, 'ready')
  t.ok(await stat(join(app, 'data/customer-services.sqlite')), 'the default database is in the data volume')
  const health = await run(healthcheck as string[], { cwd: app, env })
  t.equal(health.code, 0, "the image's HEALTHCHECK passes", { output: health.output })

  const email = 'ops@example.com'
  const password = 'correct-horse-battery-42'
  const created = await run(['node', 'dist/cli/user-create.js', '--email', email, '--password', password], { cwd: app, env })
  t.equal(created.code, 0, 'user-create works from dist', { output: created.output })
  const login = await fetch(`http://127.0.0.1:${port}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password })
  })
  t.equal(login.status, 200, 'the user logs in')
  const { token } = await login.json() as { token: string }
  const customers = await fetch(`http://127.0.0.1:${port}/api/v1/customers`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(customers.status, 200, 'and lists customers')
  t.equal((await customers.json() as { total: number }).total, 0)
  t.equal((await fetch(`http://127.0.0.1:${port}/openapi.yaml`)).status, 200, 'the spec and docs need nothing from dev')

  server.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0, 'SIGTERM closes it with exit code 0')
  t.equal(stderr, '', 'nothing on stderr')
})
