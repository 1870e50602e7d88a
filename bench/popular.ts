import { mostAssignedService, type Dataset } from './datasets.js'
import { peakRssKb, rssKb, sampleRss, type Server } from './servers.js'

export interface PopularShowResult {
  readonly serviceId: number
  readonly expectedCustomers: number
  readonly status: number
  readonly bytes: number
  readonly durationMs: number
  readonly rssBeforeKb: number
  /** The highest RSS sampled (every 10 ms) while the request was answered. */
  readonly rssPeakSampledKb: number
  /** VmHWM after the request, when the request raised the process's lifetime peak. */
  readonly rssPeakHwmKb: number | null
  readonly rssGrowthKb: number
  readonly validJson: boolean
  readonly customersInBody: number | null
  readonly customersCountInBody: number | null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One show request for the most assigned service, and what it cost the server in memory. */
export async function measurePopularShow (server: Server, token: string, dataset: Dataset): Promise<PopularShowResult> {
  const serviceId = mostAssignedService(dataset)
  await sleep(500)
  const rssBeforeKb = rssKb(server.pid)
  const hwmBefore = peakRssKb(server.pid)
  const sampler = sampleRss(server.pid, 10)
  const started = performance.now()
  const response = await fetch(`${server.origin}/api/v1/customer-services/${serviceId}`, { headers: { authorization: `Bearer ${token}` } })
  const body = Buffer.from(await response.arrayBuffer())
  const durationMs = performance.now() - started
  const { maxKb } = sampler.stop()
  const hwmAfter = peakRssKb(server.pid)
  const rssPeakHwmKb = hwmAfter > hwmBefore ? hwmAfter : null

  let validJson = false
  let customersInBody: number | null = null
  let customersCountInBody: number | null = null
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { customers?: unknown, customers_count?: unknown }
    validJson = true
    if (Array.isArray(parsed.customers)) customersInBody = parsed.customers.length
    if (typeof parsed.customers_count === 'number') customersCountInBody = parsed.customers_count
  } catch {}

  return {
    serviceId,
    expectedCustomers: dataset.counts[serviceId] as number,
    status: response.status,
    bytes: body.length,
    durationMs,
    rssBeforeKb,
    rssPeakSampledKb: maxKb,
    rssPeakHwmKb,
    rssGrowthKb: Math.max(maxKb, rssPeakHwmKb ?? 0) - rssBeforeKb,
    validJson,
    customersInBody,
    customersCountInBody
  }
}
