import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { DatasetName } from './datasets.js'
import type { ScenarioStatements } from './capture.js'
import type { ContenderResult, ReferenceKind, ScenarioResult } from './measure.js'
import type { BenchOptions } from './options.js'
import { formatPlans, type PlanEntry } from './plans.js'
import type { PopularShowResult } from './popular.js'
import { targetsTable } from './targets.js'

export type Dialect = 'sqlite' | 'postgres'

/** One service build's process on a run's database. */
export interface ServiceRun {
  /** `service`, or `service@<short commit>` for the compared build. */
  readonly label: string
  readonly startToReadyMs: number
  readonly popularShow: PopularShowResult | null
  /** What the process printed (it logs at warn: normally nothing). */
  readonly output: string[]
}

export interface RunResult {
  readonly dataset: DatasetName
  readonly dialect: Dialect
  /** False for the run with `ANSWER_CACHE_MB=0`. */
  readonly answerCache: boolean
  readonly seed: { readonly ms: number, readonly cached: boolean }
  readonly services: ServiceRun[]
  readonly scenarios: ScenarioResult[]
  readonly plans: PlanEntry[]
  /** The statements the same-SQL reference ran, per scenario, as captured from the service. */
  readonly statements: ScenarioStatements[]
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
export const database = (run: RunResult) => run.answerCache ? run.dialect : `${run.dialect}, no answer cache`
export const failedRequests = (result: ContenderResult) => result.non2xx + result.errors + result.timeouts

const referenceNames: Record<ReferenceKind, string> = { 'bare-fastify': 'bare Fastify', 'same-sql': 'same SQL', 'naive-writer': 'naive writer' }

/** One row per server: the scenario's reference first (its ratio cells name it), then each service build against it. */
export function markdownTable (runs: RunResult[]): string {
  const lines = [
    '| set | db | scenario | server | head B | body B | req/s | ×ref | p50 ms | ×ref | p99 ms | ×ref | CPU µs/req | ref÷ | non-2xx | peak RSS MB | max WAL MB |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const wal = (bytes: number | null) => bytes === null ? '' : (bytes / 2 ** 20).toFixed(1)
  for (const run of runs) {
    for (const s of run.scenarios) {
      const head = `| ${run.dataset} | ${database(run)} | ${s.name} |`
      const reference = s.reference
      lines.push(`${head} ${referenceNames[reference.kind]} | ${reference.answer.headerBytes} | ${reference.answer.bodyBytes} | ` +
        `${fixed(reference.requestsPerSecond)} (${fixed(reference.sliceRequestsPerSecond.min)}–${fixed(reference.sliceRequestsPerSecond.max)}) | ref | ` +
        `${fixed(reference.latencyP50Ms, 1)} | ref | ${fixed(reference.latencyP99Ms, 1)} | ref | ${fixed(reference.cpuMicrosPerRequest)} | ref | ` +
        `${failedRequests(reference)} | ${mb(reference.peakRssKb)} | ${wal(reference.maxWalBytes)} |`)
      for (const measured of s.services) {
        const failed = failedRequests(measured)
        lines.push(`${head} ${measured.label} | ${measured.answer.headerBytes} | ${measured.answer.bodyBytes} | ` +
          `${fixed(measured.requestsPerSecond)} | ${ratio(measured.ratios.requestsPerSecond)} | ` +
          `${fixed(measured.latencyP50Ms, 1)} | ${ratio(measured.ratios.latencyP50)} | ${fixed(measured.latencyP99Ms, 1)} | ${ratio(measured.ratios.latencyP99)} | ` +
          `${fixed(measured.cpuMicrosPerRequest)} | ${ratio(measured.ratios.cpuPerRequest)} | ${failed === 0 ? '0' : `**${failed}**`} | ` +
          `${mb(measured.peakRssKb)} | ${wal(measured.maxWalBytes)} |`)
      }
    }
  }
  return lines.join('\n')
}

export interface BaselineInfo {
  readonly startToReadyMs: number
}

export function summary (runs: RunResult[], baseline: BaselineInfo): string {
  const lines: string[] = ['', '### Seeding, start, the popular service', '',
    `- the bare Fastify process was ready ${fixed(baseline.startToReadyMs)} ms after its spawn`]
  for (const run of runs) {
    lines.push(`- ${run.dataset} on ${database(run)}: seeded in ${(run.seed.ms / 1000).toFixed(1)} s${run.seed.cached ? ' (cached file, time of its seeding)' : ''}`)
    for (const service of run.services) {
      lines.push(`  - ${service.label}: start to ready ${fixed(service.startToReadyMs)} ms`)
      const show = service.popularShow
      if (show !== null) {
        lines.push(`    - show of service ${show.serviceId} (${show.expectedCustomers} customers): status ${show.status}, ` +
          `${show.bytes} bytes in ${fixed(show.durationMs)} ms, RSS ${mb(show.rssBeforeKb)} → ${mb(Math.max(show.rssPeakSampledKb, show.rssPeakHwmKb ?? 0))} MB ` +
          `(+${mb(show.rssGrowthKb)} MB), JSON ${show.validJson ? 'valid' : 'INVALID'}, ` +
          `${show.customersInBody ?? 'no'} customers in the body, customers_count ${show.customersCountInBody ?? '–'}`)
      }
      if (service.output.length > 0) lines.push(`    - it printed ${service.output.length} line(s); first: ${service.output[0]}`)
    }
  }
  const failures = runs.flatMap((run) => run.scenarios.flatMap((s) => [s.reference, ...s.services]
    .filter((result) => failedRequests(result) > 0)
    .map((result) => `- **${run.dataset}/${database(run)}/${s.name}/${result.label}**: ${result.non2xx} non-2xx, ${result.errors} errors, ` +
      `${result.timeouts} timeouts; statuses ${JSON.stringify(result.statusCodes)}; ` +
      `e.g. ${result.failures.map((f) => `${f.status} ${f.path} ${f.body}`).join(' | ')}`)))
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
    `## customer-services benchmark: ${options.durationSeconds} s per scenario and server, ${options.connections} connections, ${node}`,
    '',
    'Each scenario\'s first row is its reference (ref): the naive writer for the sync, the same SQL for computed reads, bare Fastify ' +
      'for cached reads and login. ×ref: the service over the reference (req/s, p50, p99); ref÷: the reference\'s CPU per request ' +
      'over the service\'s. CPU counts the server process and, on PostgreSQL, the postgres processes working for its database. ' +
      'head B: status line and headers of one answer. max WAL: the largest the SQLite write-ahead log was seen during a write scenario (sampled every 20 ms).',
    '',
    markdownTable(runs),
    summary(runs, baseline),
    '',
    targetsTable(runs),
    ...plans.map((text) => `\n${text}`)
  ].join('\n')
}

/** `tsx bench/report.ts [file]`: the table of a results file again (bench/results/latest.json by default). */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? fileURLToPath(new URL('results/latest.json', import.meta.url))
  const document = JSON.parse(readFileSync(file, 'utf8')) as { runs: RunResult[], baseline: BaselineInfo, options: BenchOptions, node: string, commit: string }
  if (document.runs.some((run) => !Array.isArray(run.services))) throw new Error(`${file} was written by an older bench: its tables are in bench/RESULTS.md`)
  process.stdout.write(`${render(document.runs, document.baseline, document.options, document.node)}\n\ncommit ${document.commit}\n`)
}
