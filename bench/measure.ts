import { cpuMicrosDuring, type CpuScope } from './cpu.js'
import { answerSize, type AnswerSize } from './headers.js'
import { poolRuns, runLoad, type DrawnRequest, type LoadResult, type LoadRun } from './load.js'
import type { BenchOptions } from './options.js'
import type { Scenario } from './scenarios.js'
import { sampleRss, type Server } from './servers.js'
import { sampleWal } from './wal.js'

/**
 * What a scenario is compared with: bare Fastify answering a fixed body of the same size,
 * the same statements run by the bare driver (`same-sql`), or the naive sync (`naive-writer`).
 */
export type ReferenceKind = 'bare-fastify' | 'same-sql' | 'naive-writer'

/** A server under load, and what it costs: its process, and the PostgreSQL backends working for it. */
export interface Contender {
  readonly server: Server
  readonly cpu: CpuScope
  /** Its SQLite file, whose write-ahead log is watched during the writes. */
  readonly sqliteFile?: string
  /** A bearer token of its database, for the authenticated scenarios (the references need none). */
  readonly token?: string
}

export interface ContenderResult extends LoadResult {
  readonly label: string
  readonly peakRssKb: number
  /** Server CPU per request, PostgreSQL's processes included on PostgreSQL. */
  readonly cpuMicrosPerRequest: number
  /** The largest the SQLite write-ahead log was seen during a write scenario (sampled every 20 ms). */
  readonly maxWalBytes: number | null
  /** One answer's head and body, in bytes. */
  readonly answer: AnswerSize
  readonly sliceRequestsPerSecond: { readonly min: number, readonly max: number }
}

export interface ServiceResult extends ContenderResult {
  /**
   * Service / reference. `cpuPerRequest` is the reference's CPU time per request over the
   * service's: what the service would serve at the reference's rate on an otherwise idle core.
   * It moves less than requests/s with the machine's other work.
   */
  readonly ratios: { readonly requestsPerSecond: number, readonly latencyP50: number, readonly latencyP99: number, readonly cpuPerRequest: number }
}

export interface ScenarioResult {
  readonly name: string
  readonly label: string
  readonly kind: Scenario['kind']
  /** Mean size of the service's answer bodies, which the bare and same-SQL references answer too. */
  readonly bodyBytes: number
  /** Measured in slices interleaved with the services', and pooled; the slices' range shows the machine's drift. */
  readonly reference: ContenderResult & { readonly kind: ReferenceKind }
  /** This checkout's service first, then the build `BENCH_COMPARE` names. */
  readonly services: ServiceResult[]
}

const SAMPLE_REQUESTS = 20

/** A few requests one at a time: the answer size for the baseline, and an early look at the statuses. */
async function sampleBodies (server: Server, scenario: Scenario, headers: Record<string, string>) {
  let bytes = 0
  for (let i = 0; i < SAMPLE_REQUESTS; i++) {
    const drawn = scenario.draw()
    const response = await fetch(`${server.origin}${drawn.path}`, { method: scenario.method, headers, body: drawn.body ?? null })
    bytes += (await response.arrayBuffer()).byteLength
  }
  return Math.round(bytes / SAMPLE_REQUESTS)
}

/** The reference's request for a drawn one: a body of the same size, the same variables, or the same request. */
function referenceDraw (kind: ReferenceKind, scenario: Scenario, bodyBytes: number): () => DrawnRequest {
  if (kind === 'naive-writer') return scenario.draw
  if (kind === 'same-sql') {
    return () => {
      const variables = { ...scenario.draw().variables, bytes: bodyBytes }
      return { path: `/same-sql/${scenario.name}?${new URLSearchParams(Object.entries(variables).map(([name, value]): [string, string] => [name, String(value)]))}` }
    }
  }
  return () => {
    const drawn = scenario.draw()
    return { path: `/baseline/${bodyBytes}`, ...(drawn.body !== undefined && { body: drawn.body }) }
  }
}

interface Tally {
  readonly contender: Contender
  readonly draw: () => DrawnRequest
  readonly runs: LoadRun[]
  cpuMicros: number
}

export async function measureScenario (
  scenario: Scenario,
  contenders: { services: Contender[], reference: Contender & { kind: ReferenceKind } },
  options: BenchOptions
): Promise<ScenarioResult> {
  const headersOf = (contender: Contender): Record<string, string> => ({
    ...(scenario.authenticated && contender.token !== undefined && { authorization: `Bearer ${contender.token}` }),
    ...(scenario.method === 'POST' && { 'content-type': 'application/json' })
  })
  const [current] = contenders.services
  if (current === undefined) throw new Error('no service to measure')
  const bodyBytes = await sampleBodies(current.server, scenario, headersOf(current))
  const load = (contender: Contender, draw: () => DrawnRequest, durationSeconds: number) => runLoad({
    origin: contender.server.origin, method: scenario.method, headers: headersOf(contender), draw, connections: options.connections, durationSeconds
  })
  const tally = (contender: Contender, draw: () => DrawnRequest): Tally => ({ contender, draw, runs: [], cpuMicros: 0 })
  const reference = tally(contenders.reference, referenceDraw(contenders.reference.kind, scenario, bodyBytes))
  const services = contenders.services.map((contender) => tally(contender, scenario.draw))
  const everyone = [reference, ...services]
  const answers = new Map<Tally, AnswerSize>()
  for (const each of everyone) answers.set(each, await answerSize(each.contender.server.origin, scenario.method, headersOf(each.contender), each.draw()))

  if (options.warmupSeconds > 0) {
    for (const each of everyone) await load(each.contender, each.draw, options.warmupSeconds)
  }
  // The machine is shared: other work comes and goes within seconds. Rounds of reference,
  // services (in turn first), reference put them all under the same conditions, on average.
  const rounds = Math.max(1, Math.min(options.rounds, Math.floor(options.durationSeconds / 2)))
  const slice = options.durationSeconds / rounds
  const samplers = everyone.map((each) => ({
    rss: sampleRss(each.contender.server.pid, 50),
    wal: scenario.kind === 'write' && each.contender.sqliteFile !== undefined ? sampleWal(each.contender.sqliteFile) : undefined
  }))
  const measuredRun = async (each: Tally, seconds: number) => {
    const { result, cpuMicros } = await cpuMicrosDuring(each.contender.cpu, () => load(each.contender, each.draw, seconds))
    each.runs.push(result)
    each.cpuMicros += cpuMicros
  }
  for (let round = 0; round < rounds; round++) {
    await measuredRun(reference, slice / 2)
    for (const each of round % 2 === 0 ? services : [...services].reverse()) await measuredRun(each, slice)
    await measuredRun(reference, slice / 2)
  }
  const results = everyone.map((each, index) => {
    const pooled = poolRuns(each.runs)
    const rates = each.runs.map((run) => run.result.requestsPerSecond)
    const sampler = samplers[index] as (typeof samplers)[number]
    return {
      ...pooled,
      label: each.contender.server.name,
      peakRssKb: sampler.rss.stop().maxKb,
      cpuMicrosPerRequest: each.cpuMicros / pooled.requests,
      maxWalBytes: sampler.wal?.stop() ?? null,
      answer: answers.get(each) as AnswerSize,
      sliceRequestsPerSecond: { min: Math.min(...rates), max: Math.max(...rates) }
    }
  })
  const [base, ...measured] = results as [ContenderResult, ...ContenderResult[]]
  return {
    name: scenario.name,
    label: scenario.label,
    kind: scenario.kind,
    bodyBytes,
    reference: { ...base, kind: contenders.reference.kind },
    services: measured.map((result) => ({
      ...result,
      ratios: {
        requestsPerSecond: result.requestsPerSecond / base.requestsPerSecond,
        latencyP50: result.latencyP50Ms / base.latencyP50Ms,
        latencyP99: result.latencyP99Ms / base.latencyP99Ms,
        cpuPerRequest: base.cpuMicrosPerRequest / result.cpuMicrosPerRequest
      }
    }))
  }
}
