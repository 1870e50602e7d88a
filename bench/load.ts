import autocannon from 'autocannon'
import type { Variables } from './parameters.js'

/** One request of a scenario: drawn anew for every request autocannon sends. */
export interface DrawnRequest {
  readonly path: string
  readonly body?: string
  /** What was drawn at random, by name: the same-SQL baseline computes its parameters from them. */
  readonly variables?: Variables
}

export interface LoadOptions {
  readonly origin: string
  readonly method: 'GET' | 'POST'
  readonly headers: Record<string, string>
  readonly draw: () => DrawnRequest
  readonly connections: number
  readonly durationSeconds: number
}

export interface LoadResult {
  readonly requests: number
  readonly requestsPerSecond: number
  readonly latencyP50Ms: number
  readonly latencyP99Ms: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  readonly statusCodes: Record<string, number>
  /** A few answers that were not 2xx, with their bodies. */
  readonly failures: Array<{ status: number, path: string, body: string }>
}

const KEPT_FAILURES = 5

function percentile (values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number
}

/** A run's figures, and its raw latencies, so that runs can be pooled. */
export interface LoadRun {
  readonly result: LoadResult
  readonly latencies: number[]
}

/** Runs of equal length pooled as one: rates averaged, latencies merged, counts added. */
export function poolRuns (runs: LoadRun[]): LoadResult {
  const latencies = runs.flatMap((run) => run.latencies)
  const sum = (pick: (result: LoadResult) => number) => runs.reduce((total, run) => total + pick(run.result), 0)
  const statusCodes: Record<string, number> = {}
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.result.statusCodes)) statusCodes[status] = (statusCodes[status] ?? 0) + count
  }
  return {
    requests: sum((result) => result.requests),
    requestsPerSecond: sum((result) => result.requestsPerSecond) / runs.length,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    non2xx: sum((result) => result.non2xx),
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    statusCodes,
    failures: runs.flatMap((run) => run.result.failures).slice(0, KEPT_FAILURES)
  }
}

export async function runLoad (options: LoadOptions): Promise<LoadRun> {
  const failures: Array<{ status: number, path: string, body: string }> = []
  // autocannon's histogram keeps whole milliseconds: the baseline's p50 would read 0.
  const latencies: number[] = []
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: options.origin,
      connections: options.connections,
      duration: options.durationSeconds,
      headers: options.headers,
      requests: [{
        method: options.method,
        setupRequest: (request, context: { path?: string }) => {
          const drawn = options.draw()
          // Read back by onResponse, which autocannon calls before it draws the next request.
          context.path = drawn.path
          return { ...request, path: drawn.path, ...(drawn.body !== undefined && { body: drawn.body }) }
        },
        onResponse: (status, body, context: { path?: string }) => {
          if ((status < 200 || status > 299) && failures.length < KEPT_FAILURES) {
            failures.push({ status, path: context.path ?? '?', body: String(body).slice(0, 500) })
          }
        }
      }]
    }, (error, finished) => { error ? reject(error) : resolve(finished) })
    instance.on('response', (_client, _status, _bytes, responseTime: number) => { latencies.push(responseTime) })
  })
  const statusCodes: Record<string, number> = {}
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[status] = stats.count ?? 0
  return {
    result: {
      requests: result.requests.total,
      requestsPerSecond: result.requests.total / result.duration,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      failures
    },
    latencies
  }
}
