import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { DatasetName } from './datasets.js'
import type { ScenarioResult } from './measure.js'
import type { BenchOptions } from './options.js'
import { formatPlans, type PlanEntry } from './plans.js'
import type { PopularShowResult } from './popular.js'

export type Dialect = 'sqlite' | 'postgres'

export interface RunResult {
  readonly dataset: DatasetName
  readonly dialect: Dialect
  /** False for the run with `ANSWER_CACHE_MB=0`; absent in files written before that run existed. */
  readonly answerCache?: boolean
  readonly seed: { readonly ms: number, readonly cached: boolean }
  readonly startToReadyMs: number
  readonly scenarios: ScenarioResult[]
  readonly popularShow: PopularShowResult | null
  readonly plans: PlanEntry[]
  /** What the service printed (it logs at warn: normally nothing). */
  readonly serviceOutput: string[]
}

function git (...args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

const fixed = (value: number, digits = 0) => Number.isFinite(value) ? value.toFixed(digits) : '–'
const ratio = (value: number) => Number.isFinite(value) ? `${value < 0.1 ? value.toPrecision(2) : value.toFixed(2)}×` : '–'
const mb = (kb: number) => (kb / 1024).toFixed(0)
const cached = (run: RunResult) => run.answerCache !== false
const database = (run: RunResult) => cached(run) ? run.dialect : `${run.dialect}, no answer cache`

export function markdownTable (runs: RunResult[]): string {
  const lines = [
    '| set | db | scenario | body B | req/s | ×base | p50 ms | ×base | p99 ms | ×base | CPU µs/req | ×base | non-2xx | peak RSS MB | base req/s (slices) | base RSS MB |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  for (const run of runs) {
    for (const s of run.scenarios) {
      const failed = s.service.non2xx + s.service.errors + s.service.timeouts
      lines.push(`| ${run.dataset} | ${database(run)} | ${s.name} | ${s.bodyBytes} | ${fixed(s.service.requestsPerSecond)} | ` +
        `${ratio(s.ratios.requestsPerSecond)} | ${fixed(s.service.latencyP50Ms, 1)} | ${ratio(s.ratios.latencyP50)} | ` +
        `${fixed(s.service.latencyP99Ms, 1)} | ${ratio(s.ratios.latencyP99)} | ${fixed(s.service.cpuMicrosPerRequest)} | ${ratio(s.ratios.cpuPerRequest)} | ` +
        `${failed === 0 ? '0' : `**${failed}**`} | ` +
        `${mb(s.service.peakRssKb)} | ${fixed(s.baseline.requestsPerSecond)} (${fixed(s.baseline.sliceRequestsPerSecond.min)}–${fixed(s.baseline.sliceRequestsPerSecond.max)}) | ` +
        `${mb(s.baseline.peakRssKb)} |`)
    }
  }
  return lines.join('\n')
}

/** Compared through their ratios to the baseline, which cancel most of the machine's drift between the two runs. */
function largeVersusSmall (runs: RunResult[]): string[] {
  const lines: string[] = []
  for (const large of runs.filter((run) => run.dataset === 'large')) {
    const small = runs.find((run) => run.dataset === 'small' && database(run) === database(large))
    if (small === undefined) continue
    const cells = large.scenarios.filter((s) => s.kind === 'read').flatMap((s) => {
      const base = small.scenarios.find((candidate) => candidate.name === s.name)
      if (base === undefined) return []
      const byRatio = base.ratios.requestsPerSecond / s.ratios.requestsPerSecond
      const byRate = base.service.requestsPerSecond / s.service.requestsPerSecond
      return [`${s.name} ${byRatio.toFixed(2)}× (raw req/s ${byRate.toFixed(2)}×)`]
    })
    lines.push(`- ${database(large)}, small ÷ large of req/s ×base (target ≤ 1.25×): ${cells.join(', ')}`)
  }
  return lines
}

export interface BaselineInfo {
  readonly startToReadyMs: number
}

export function summary (runs: RunResult[], baseline: BaselineInfo): string {
  const lines: string[] = ['', '### Seeding, start, the popular service', '',
    `- the baseline process (bare Fastify) was ready ${fixed(baseline.startToReadyMs)} ms after its spawn`]
  for (const run of runs) {
    const head = `- ${run.dataset} on ${database(run)}:`
    lines.push(`${head} seeded in ${(run.seed.ms / 1000).toFixed(1)} s${run.seed.cached ? ' (cached file, time of its seeding)' : ''}; ` +
      `start to ready ${fixed(run.startToReadyMs)} ms`)
    const show = run.popularShow
    if (show !== null) {
      lines.push(`  - show of service ${show.serviceId} (${show.expectedCustomers} customers): status ${show.status}, ` +
        `${show.bytes} bytes in ${fixed(show.durationMs)} ms, RSS ${mb(show.rssBeforeKb)} → ${mb(Math.max(show.rssPeakSampledKb, show.rssPeakHwmKb ?? 0))} MB ` +
        `(+${mb(show.rssGrowthKb)} MB), JSON ${show.validJson ? 'valid' : 'INVALID'}, ` +
        `${show.customersInBody ?? 'no'} customers in the body, customers_count ${show.customersCountInBody ?? '–'}`)
    }
    if (run.serviceOutput.length > 0) lines.push(`  - the service printed ${run.serviceOutput.length} line(s); first: ${run.serviceOutput[0]}`)
  }
  const comparison = largeVersusSmall(runs)
  if (comparison.length > 0) lines.push('', '### Large versus small (read scenarios)', '', ...comparison)
  const failures = runs.flatMap((run) => run.scenarios
    .filter((s) => s.service.non2xx + s.service.errors + s.service.timeouts > 0)
    .map((s) => `- **${run.dataset}/${database(run)}/${s.name}**: ${s.service.non2xx} non-2xx, ${s.service.errors} errors, ` +
      `${s.service.timeouts} timeouts; statuses ${JSON.stringify(s.service.statusCodes)}; ` +
      `e.g. ${s.service.failures.map((f) => `${f.status} ${f.path} ${f.body}`).join(' | ')}`))
  if (failures.length > 0) lines.push('', '### FAILED REQUESTS (must be none)', '', ...failures)
  return lines.join('\n')
}

export interface Source {
  readonly commit: string
  /** Files of the work tree that differ from the commit: the build measured them too. */
  readonly uncommitted: string[]
}

/** Read when the run starts, right after the build: the commit may move while it runs. */
export function currentSource (): Source {
  return {
    commit: git('rev-parse', 'HEAD'),
    uncommitted: git('status', '--porcelain', '--', 'src', 'migrations', 'package.json').split('\n').filter((line) => line !== '')
  }
}

export function writeJson (runs: RunResult[], source: Source, baseline: BaselineInfo, options: BenchOptions, file: URL): string {
  const document = {
    ...source,
    node: process.version,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemoryMb: Math.round(totalmem() / 2 ** 20) },
    options: { ...options, postgresUrl: options.postgresUrl === undefined ? undefined : 'set' },
    baseline,
    runs
  }
  mkdirSync(new URL('./', file), { recursive: true })
  writeFileSync(file, JSON.stringify(document, null, 2) + '\n')
  return fileURLToPath(file)
}

export function render (runs: RunResult[], baseline: BaselineInfo, options: Pick<BenchOptions, 'durationSeconds' | 'connections'>, node = process.version): string {
  const plans = runs.filter((run) => run.plans.length > 0).map((run) => formatPlans(`${run.dataset}, ${run.dialect}`, run.plans))
  return [
    `## customer-services benchmark: ${options.durationSeconds} s per scenario, ${options.connections} connections, ${node}`,
    '',
    markdownTable(runs),
    summary(runs, baseline),
    ...plans.map((text) => `\n${text}`)
  ].join('\n')
}

/** `tsx bench/report.ts [file]`: the table of a results file again (bench/results/latest.json by default). */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? fileURLToPath(new URL('results/latest.json', import.meta.url))
  const document = JSON.parse(readFileSync(file, 'utf8')) as { runs: RunResult[], baseline: BaselineInfo, options: BenchOptions, node: string, commit: string }
  process.stdout.write(`${render(document.runs, document.baseline, document.options, document.node)}\n\ncommit ${document.commit}\n`)
}
