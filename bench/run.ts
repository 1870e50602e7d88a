import { datasetSpecs, generateDataset, type Dataset } from './datasets.js'
import { measureScenario, type ScenarioResult } from './measure.js'
import { parseOptions, type BenchOptions } from './options.js'
import { postgresPlans, sqlitePlans, type PlanEntry } from './plans.js'
import { measurePopularShow, type PopularShowResult } from './popular.js'
import { currentSource, render, writeJson, type Dialect, type RunResult } from './report.js'
import { scenariosFor } from './scenarios.js'
import { benchUser, seedPostgres, seedSqlite, type SeededDatabase } from './seed.js'
import { startBaseline, startService, type Server } from './servers.js'

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

/**
 * One service process on the seeded database, its scenarios and what else is measured there.
 * Without the answer cache (SQLite), only the reads, each page computed as on a first read:
 * on the small set the cache soon holds every random customer's answer, on the large one
 * hardly any, so only this run compares what a page costs on both.
 */
async function benchDatabase (
  dataset: Dataset,
  dialect: Dialect,
  seeded: SeededDatabase,
  baseline: Server,
  options: BenchOptions,
  answerCache = true
): Promise<RunResult> {
  const service = await startService(seeded.databaseUrl, answerCache ? {} : { ANSWER_CACHE_MB: '0' })
  const label = `${dataset.spec.name}/${dialect}${answerCache ? '' : ', no answer cache'}`
  progress(`${label}: service ready in ${service.startToReadyMs.toFixed(0)} ms (pid ${service.pid})`)
  const scenarios: ScenarioResult[] = []
  let popularShow: PopularShowResult | null = null
  try {
    const token = await login(service)
    const all = scenariosFor(dataset).filter((scenario) => selected(options, scenario.name))
    const run = async (kind: 'read' | 'write') => {
      for (const scenario of all.filter((candidate) => candidate.kind === kind)) {
        progress(`${label}: ${scenario.name}`)
        const result = await measureScenario(scenario, { service, baseline }, token, options)
        const failed = result.service.non2xx + result.service.errors + result.service.timeouts
        progress(`  ${result.service.requestsPerSecond.toFixed(0)} req/s (baseline ${result.baseline.requestsPerSecond.toFixed(0)}), ` +
          `p50 ${result.service.latencyP50Ms.toFixed(1)} ms, p99 ${result.service.latencyP99Ms.toFixed(1)} ms` +
          (failed > 0 ? `, ${failed} FAILED: ${JSON.stringify(result.service.failures)}` : ''))
        scenarios.push(result)
      }
    }
    await run('read')
    // Before the syncs, which change who has what.
    if (answerCache && selected(options, 'popular-show')) {
      progress(`${label}: show of the most assigned service`)
      popularShow = await measurePopularShow(service, token, dataset)
      progress(`  ${JSON.stringify(popularShow)}`)
    }
    if (answerCache) await run('write')
  } finally {
    await service.stop()
  }
  let plans: PlanEntry[] = []
  if (answerCache && options.plans && dataset.spec.name === 'large') {
    plans = dialect === 'sqlite' ? await sqlitePlans(seeded.databaseUrl, dataset) : await postgresPlans(seeded.databaseUrl, dataset)
  }
  return {
    dataset: dataset.spec.name,
    dialect,
    answerCache,
    seed: { ms: seeded.seedMs, cached: seeded.cached },
    startToReadyMs: service.startToReadyMs,
    scenarios,
    popularShow,
    plans,
    serviceOutput: [...service.output]
  }
}

async function main () {
  const options = parseOptions(process.argv.slice(2), process.env)
  const source = currentSource()
  const dialects: Dialect[] = [...(options.sqlite ? ['sqlite' as const] : []), ...(options.postgresUrl !== undefined ? ['postgres' as const] : [])]
  const runs: RunResult[] = []
  const baseline = await startBaseline()
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
          // Without the cache first: the cached run's syncs change the data the reads see.
          const uncached = dialect === 'sqlite' && options.uncached ? await benchDatabase(dataset, dialect, seeded, baseline, options, false) : undefined
          runs.push(await benchDatabase(dataset, dialect, seeded, baseline, options))
          if (uncached !== undefined) runs.push(uncached)
        } finally {
          await seeded.dispose()
        }
      }
    }
  } finally {
    await baseline.stop()
  }

  const baselineInfo = { startToReadyMs: baseline.startToReadyMs }
  const file = writeJson(runs, source, baselineInfo, options, new URL('results/latest.json', import.meta.url))
  process.stdout.write(`${render(runs, baselineInfo, options)}\n\nWritten to ${file}\n`)
  const failed = runs.some((run) => run.scenarios.some((s) => s.service.non2xx + s.service.errors + s.service.timeouts > 0))
  if (failed) {
    process.stderr.write('\n[bench] SOME REQUESTS FAILED (non-2xx, errors or timeouts): see the table and "FAILED REQUESTS" above.\n')
    process.exitCode = 1
  }
}

await main()
