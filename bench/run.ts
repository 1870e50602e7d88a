import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { captureScenarioStatements, type ScenarioStatements } from './capture.js'
import { copyDatabase, type DatabaseCopy } from './copies.js'
import { datasetSpecs, generateDataset, type Dataset } from './datasets.js'
import { measureScenario, type Contender, type ReferenceKind, type ScenarioResult } from './measure.js'
import { parseOptions, type BenchOptions } from './options.js'
import { postgresPlans, sqlitePlans, type PlanEntry } from './plans.js'
import { measurePopularShow } from './popular.js'
import { currentSource, render, writeJson, type Dialect, type RunResult, type ServiceRun } from './report.js'
import { scenariosFor, type Scenario } from './scenarios.js'
import { benchUser, seedPostgres, seedSqlite, type SeededDatabase } from './seed.js'
import { projectRoot } from '../src/project-root.js'
import { currentBuild, startBaseline, startNaive, startService, type Server, type ServiceBuild } from './servers.js'

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`)

async function login (service: Server): Promise<string> {
  const response = await fetch(`${service.origin}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: benchUser.email, password: benchUser.password })
  })
  const body = await response.text()
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${body}`)
  return (JSON.parse(body) as { token: string }).token
}

const selected = (options: BenchOptions, name: string) => options.scenarios.length === 0 || options.scenarios.includes(name)

const migrationFiles = (root: URL) => ['sqlite', 'postgres'].flatMap((dialect) => readdirSync(new URL(`migrations/${dialect}/`, root)).map((file) => `${dialect}/${file}`))

/**
 * The build `BENCH_COMPARE` names, labelled by its commit. It runs on a copy of the data seeded
 * with this checkout's migrations: a build that lacks one of them would refuse the database.
 */
function compareBuild (path: string): ServiceBuild {
  const root = pathToFileURL(`${path.replace(/\/$/, '')}/`)
  if (!existsSync(new URL('dist/server.js', root))) throw new Error(`BENCH_COMPARE=${path}: no dist/server.js there; run \`npm run build\` in it first`)
  const theirs = new Set(migrationFiles(root))
  const missing = migrationFiles(projectRoot).filter((file) => !theirs.has(file))
  if (missing.length > 0) {
    throw new Error(`BENCH_COMPARE=${path} lacks migrations this checkout seeds with (${missing.join(', ')}): it would refuse the database. ` +
      'Run the bench from the checkout with fewer migrations, with BENCH_COMPARE naming the other one.')
  }
  const commit = execFileSync('git', ['-C', path, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  return { label: `service@${commit}`, root }
}

/** A database as the servers of one data set and dialect see it: the service's, and the copies the others write to. */
interface Databases {
  readonly dialect: Dialect
  readonly service: SeededDatabase
  readonly naive: DatabaseCopy
  readonly compare: DatabaseCopy | undefined
}

const cpuScope = (dialect: Dialect, pid: number, databaseUrl: string) =>
  dialect === 'postgres' ? { pid, postgresDatabase: new URL(databaseUrl).pathname.slice(1) } : { pid }

function contender (databases: Databases, server: Server, databaseUrl: string, token?: string): Contender {
  return {
    server,
    cpu: cpuScope(databases.dialect, server.pid, databaseUrl),
    ...(databases.dialect === 'sqlite' && { sqliteFile: databaseUrl }),
    ...(token !== undefined && { token })
  }
}

/** Each scenario's reference: like for like where the bench has one, else bare Fastify. */
function referenceKind (scenario: Scenario, dialect: Dialect, answerCache: boolean, statements: ScenarioStatements[]): ReferenceKind {
  if (scenario.name === 'sync-5-services') return 'naive-writer'
  const computed = dialect === 'postgres' || !answerCache
  if (scenario.kind === 'read' && computed && statements.some((entry) => entry.scenario === scenario.name)) return 'same-sql'
  return 'bare-fastify'
}

/**
 * The service processes (this checkout's, and the compared build's on its own copy) on the
 * seeded database, their scenarios, and what else is measured there. Without the answer cache
 * (SQLite), only the reads, each page computed as on a first read: on the small set the cache
 * soon holds every random customer's answer, on the large one hardly any, so only this run
 * compares what a page costs on both.
 */
async function benchDatabase (
  dataset: Dataset,
  databases: Databases,
  references: { bare: Server, naive: Server },
  statements: ScenarioStatements[],
  builds: ServiceBuild[],
  options: BenchOptions,
  answerCache = true
): Promise<RunResult> {
  const { dialect } = databases
  const label = `${dataset.spec.name}/${dialect}${answerCache ? '' : ', no answer cache'}`
  const urls = [databases.service.databaseUrl, ...(databases.compare === undefined ? [] : [databases.compare.databaseUrl])]
  const services: Server[] = []
  const serviceRuns: ServiceRun[] = []
  const scenarios: ScenarioResult[] = []
  try {
    for (const [index, build] of builds.entries()) {
      const service = await startService(urls[index] as string, answerCache ? {} : { ANSWER_CACHE_MB: '0' }, build)
      services.push(service)
      progress(`${label}: ${build.label} ready in ${service.startToReadyMs.toFixed(0)} ms (pid ${service.pid})`)
    }
    const tokens = await Promise.all(services.map(login))
    const all = scenariosFor(dataset).filter((scenario) => selected(options, scenario.name))
    const run = async (kind: 'read' | 'write') => {
      for (const scenario of all.filter((candidate) => candidate.kind === kind)) {
        const kindOfReference = referenceKind(scenario, dialect, answerCache, statements)
        progress(`${label}: ${scenario.name} (against ${kindOfReference})`)
        const reference = kindOfReference === 'bare-fastify'
          ? { server: references.bare, cpu: { pid: references.bare.pid } }
          : contender(databases, references.naive, databases.naive.databaseUrl)
        const result = await measureScenario(scenario, {
          services: services.map((service, index) => contender(databases, service, urls[index] as string, tokens[index])),
          reference: { ...reference, kind: kindOfReference }
        }, options)
        for (const measured of result.services) {
          const failed = measured.non2xx + measured.errors + measured.timeouts
          progress(`  ${measured.label}: ${measured.requestsPerSecond.toFixed(0)} req/s (reference ${result.reference.requestsPerSecond.toFixed(0)}), ` +
            `p50 ${measured.latencyP50Ms.toFixed(1)} ms, p99 ${measured.latencyP99Ms.toFixed(1)} ms, CPU ${measured.cpuMicrosPerRequest.toFixed(0)} µs/req` +
            (failed > 0 ? `, ${failed} FAILED: ${JSON.stringify(measured.failures)}` : ''))
        }
        scenarios.push(result)
      }
    }
    await run('read')
    for (const [index, service] of services.entries()) {
      // Before the syncs, which change who has what.
      const popularShow = answerCache && selected(options, 'popular-show')
        ? await measurePopularShow(service, tokens[index] as string, dataset)
        : null
      if (popularShow !== null) progress(`${label}: ${service.name}, show of the most assigned service: ${JSON.stringify(popularShow)}`)
      serviceRuns.push({ label: service.name, startToReadyMs: service.startToReadyMs, popularShow, output: service.output })
    }
    if (answerCache) await run('write')
  } finally {
    for (const service of services) await service.stop()
  }
  let plans: PlanEntry[] = []
  if (answerCache && options.plans && dataset.spec.name === 'large') {
    plans = dialect === 'sqlite' ? await sqlitePlans(databases.service.databaseUrl, dataset) : await postgresPlans(databases.service.databaseUrl, dataset)
  }
  return {
    dataset: dataset.spec.name,
    dialect,
    answerCache,
    seed: { ms: databases.service.seedMs, cached: databases.service.cached },
    services: serviceRuns,
    scenarios,
    plans,
    statements: answerCache && dialect === 'sqlite' ? [] : statements
  }
}

/** The copies, the captured statements and the naive server of one data set on one database, around `work`. */
async function withDatabases (
  dataset: Dataset,
  dialect: Dialect,
  seeded: SeededDatabase,
  builds: ServiceBuild[],
  options: BenchOptions,
  work: (databases: Databases, naive: Server, statements: ScenarioStatements[]) => Promise<void>
) {
  const serverUrl = options.postgresUrl ?? ''
  const naiveCopy = await copyDatabase(dialect, seeded.databaseUrl, 'naive', serverUrl)
  const compareCopy = builds.length > 1 ? await copyDatabase(dialect, seeded.databaseUrl, 'compare', serverUrl) : undefined
  const databases = { dialect, service: seeded, naive: naiveCopy, compare: compareCopy }
  try {
    const reads = scenariosFor(dataset).filter((scenario) => scenario.kind === 'read' && selected(options, scenario.name))
    const statements = await captureScenarioStatements(seeded.databaseUrl, dialect, reads)
    progress(`${dataset.spec.name}/${dialect}: statements captured: ${statements.map((entry) => `${entry.scenario} ${entry.templates.length}`).join(', ')}`)
    const naive = await startNaive(naiveCopy.databaseUrl)
    try {
      for (const entry of statements) {
        const response = await fetch(`${naive.origin}/same-sql/${entry.scenario}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ statements: entry.templates })
        })
        if (response.status !== 200) throw new Error(`the naive server refused ${entry.scenario}'s statements: ${await response.text()}`)
      }
      await work(databases, naive, statements)
    } finally {
      await naive.stop()
    }
  } finally {
    await naiveCopy.dispose()
    await compareCopy?.dispose()
  }
}

async function main () {
  const options = parseOptions(process.argv.slice(2), process.env)
  const source = currentSource()
  const builds = [currentBuild, ...(options.compare === undefined ? [] : [compareBuild(options.compare)])]
  const dialects: Dialect[] = [...(options.sqlite ? ['sqlite' as const] : []), ...(options.postgresUrl !== undefined ? ['postgres' as const] : [])]
  const runs: RunResult[] = []
  const bare = await startBaseline()
  try {
    for (const name of options.datasets) {
      const dataset = generateDataset(datasetSpecs[name])
      for (const dialect of dialects) {
        progress(`${name}/${dialect}: seeding`)
        const seeded = dialect === 'sqlite'
          ? await seedSqlite(dataset, new URL('.data/', import.meta.url))
          : await seedPostgres(dataset, options.postgresUrl as string)
        progress(`  ${seeded.cached ? 'cached; it was seeded' : 'seeded'} in ${(seeded.seedMs / 1000).toFixed(1)} s`)
        try {
          await withDatabases(dataset, dialect, seeded, builds, options, async (databases, naive, statements) => {
            const references = { bare, naive }
            // Without the cache first: the cached run's syncs change the data the reads see.
            const uncached = dialect === 'sqlite' && options.uncached
              ? await benchDatabase(dataset, databases, references, statements, builds, options, false)
              : undefined
            runs.push(await benchDatabase(dataset, databases, references, statements, builds, options))
            if (uncached !== undefined) runs.push(uncached)
          })
        } finally {
          await seeded.dispose()
        }
      }
    }
  } finally {
    await bare.stop()
  }

  const baselineInfo = { startToReadyMs: bare.startToReadyMs }
  const file = writeJson(runs, source, baselineInfo, options, new URL('results/latest.json', import.meta.url))
  process.stdout.write(`${render(runs, baselineInfo, options)}\n\nWritten to ${file}\n`)
  const failed = runs.some((run) => run.scenarios.some((s) => s.services.some((measured) => measured.non2xx + measured.errors + measured.timeouts > 0)))
  if (failed) {
    process.stderr.write('\n[bench] SOME REQUESTS FAILED (non-2xx, errors or timeouts): see the table and "FAILED REQUESTS" above.\n')
    process.exitCode = 1
  }
}

await main()
