import { poolRuns, runLoad, type LoadResult, type LoadRun } from './load.js'
import type { BenchOptions } from './options.js'
import type { Scenario } from './scenarios.js'
import { cpuMicrosDuring, sampleRss, type Server } from './servers.js'

export interface ScenarioResult {
  readonly name: string
  readonly label: string
  readonly kind: Scenario['kind']
  /** Mean size of the service's answer bodies, which the baseline answers too. */
  readonly bodyBytes: number
  readonly service: LoadResult & { readonly peakRssKb: number, readonly cpuMicrosPerRequest: number }
  /** Measured in slices interleaved with the service's, and pooled; the slices' range shows the machine's drift. */
  readonly baseline: LoadResult & {
    readonly peakRssKb: number
    readonly cpuMicrosPerRequest: number
    readonly sliceRequestsPerSecond: { min: number, max: number }
  }
  /**
   * Service / baseline. `cpuPerRequest` is the baseline's server CPU time per request over the
   * service's: what the service would serve at the baseline's rate on an otherwise idle core.
   * It moves less than requests/s with the machine's other work.
   */
  readonly ratios: { readonly requestsPerSecond: number, readonly latencyP50: number, readonly latencyP99: number, readonly cpuPerRequest: number }
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

export async function measureScenario (
  scenario: Scenario,
  servers: { service: Server, baseline: Server },
  token: string,
  options: BenchOptions
): Promise<ScenarioResult> {
  const headers: Record<string, string> = {
    ...(scenario.authenticated && { authorization: `Bearer ${token}` }),
    ...(scenario.method === 'POST' && { 'content-type': 'application/json' })
  }
  const bodyBytes = await sampleBodies(servers.service, scenario, headers)
  const load = (origin: string, draw: Scenario['draw'], durationSeconds: number) => runLoad({
    origin, method: scenario.method, headers, draw, connections: options.connections, durationSeconds
  })

  // The baseline answers a body of the same size to a request of the same method and body.
  const baselineDraw = () => {
    const drawn = scenario.draw()
    return { path: `/baseline/${bodyBytes}`, ...(drawn.body !== undefined && { body: drawn.body }) }
  }
  if (options.warmupSeconds > 0) {
    await load(servers.baseline.origin, baselineDraw, options.warmupSeconds)
    await load(servers.service.origin, scenario.draw, options.warmupSeconds)
  }
  // The machine is shared: other work comes and goes within seconds. Rounds of
  // baseline, service, baseline put both under the same conditions, on average.
  const rounds = Math.max(1, Math.min(options.rounds, Math.floor(options.durationSeconds / 2)))
  const slice = options.durationSeconds / rounds
  const serviceRss = sampleRss(servers.service.pid, 50)
  const baselineRss = sampleRss(servers.baseline.pid, 50)
  const serviceRuns: LoadRun[] = []
  const baselineRuns: LoadRun[] = []
  const cpuMicros = { service: 0, baseline: 0 }
  const measuredRun = async (server: Server, draw: Scenario['draw'], seconds: number, runs: LoadRun[], into: 'service' | 'baseline') => {
    const { result, cpuMicros: used } = await cpuMicrosDuring(server.pid, () => load(server.origin, draw, seconds))
    runs.push(result)
    cpuMicros[into] += used
  }
  for (let round = 0; round < rounds; round++) {
    await measuredRun(servers.baseline, baselineDraw, slice / 2, baselineRuns, 'baseline')
    await measuredRun(servers.service, scenario.draw, slice, serviceRuns, 'service')
    await measuredRun(servers.baseline, baselineDraw, slice / 2, baselineRuns, 'baseline')
  }
  const servicePooled = poolRuns(serviceRuns)
  const baselinePooled = poolRuns(baselineRuns)
  const measured = { ...servicePooled, peakRssKb: serviceRss.stop().maxKb, cpuMicrosPerRequest: cpuMicros.service / servicePooled.requests }
  const sliceRates = baselineRuns.map((run) => run.result.requestsPerSecond)
  const baseline = {
    ...baselinePooled,
    peakRssKb: baselineRss.stop().maxKb,
    cpuMicrosPerRequest: cpuMicros.baseline / baselinePooled.requests,
    sliceRequestsPerSecond: { min: Math.min(...sliceRates), max: Math.max(...sliceRates) }
  }

  return {
    name: scenario.name,
    label: scenario.label,
    kind: scenario.kind,
    bodyBytes,
    service: measured,
    baseline,
    ratios: {
      requestsPerSecond: measured.requestsPerSecond / baseline.requestsPerSecond,
      latencyP50: measured.latencyP50Ms / baseline.latencyP50Ms,
      latencyP99: measured.latencyP99Ms / baseline.latencyP99Ms,
      cpuPerRequest: baseline.cpuMicrosPerRequest / measured.cpuMicrosPerRequest
    }
  }
}
