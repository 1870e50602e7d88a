import { poolRuns, runLoad, type LoadResult, type LoadRun } from './load.js'
import type { BenchOptions } from './options.js'
import type { Scenario } from './scenarios.js'
import { sampleRss, type Server } from './servers.js'

export interface ScenarioResult {
  readonly name: string
  readonly label: string
  readonly kind: Scenario['kind']
  /** Mean size of the service's answer bodies, which the baseline answers too. */
  readonly bodyBytes: number
  readonly service: LoadResult & { readonly peakRssKb: number }
  /** Measured in slices interleaved with the service's, and pooled; the slices' range shows the machine's drift. */
  readonly baseline: LoadResult & { readonly peakRssKb: number, readonly sliceRequestsPerSecond: { min: number, max: number } }
  /** Service / baseline. */
  readonly ratios: { readonly requestsPerSecond: number, readonly latencyP50: number, readonly latencyP99: number }
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
  for (let round = 0; round < rounds; round++) {
    baselineRuns.push(await load(servers.baseline.origin, baselineDraw, slice / 2))
    serviceRuns.push(await load(servers.service.origin, scenario.draw, slice))
    baselineRuns.push(await load(servers.baseline.origin, baselineDraw, slice / 2))
  }
  const measured = { ...poolRuns(serviceRuns), peakRssKb: serviceRss.stop().maxKb }
  const sliceRates = baselineRuns.map((run) => run.result.requestsPerSecond)
  const baseline = {
    ...poolRuns(baselineRuns),
    peakRssKb: baselineRss.stop().maxKb,
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
      latencyP99: measured.latencyP99Ms / baseline.latencyP99Ms
    }
  }
}
