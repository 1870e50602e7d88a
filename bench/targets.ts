import type { ScenarioResult, ServiceResult } from './measure.js'
import { failedRequests, type RunResult } from './report.js'

/** A target's value for one service build: what was measured, and whether it holds (null: not measured). */
interface Verdict {
  readonly text: string
  readonly met: boolean | null
}

interface Target {
  readonly name: string
  readonly judge: (runs: RunResult[], label: string) => Verdict
}

const none: Verdict = { text: '–', met: null }
const two = (value: number) => Number.isFinite(value) ? value.toFixed(2) : '–'
const computed = (run: RunResult) => run.dialect === 'postgres' || !run.answerCache

function serviceIn (scenario: ScenarioResult, label: string): ServiceResult | undefined {
  return scenario.services.find((measured) => measured.label === label)
}

/** Every matching scenario's figure, per data set: "small 1.10, large 0.95", met when every one holds. */
function each (
  runs: RunResult[],
  label: string,
  pick: (run: RunResult) => boolean,
  scenarios: (scenario: ScenarioResult) => boolean,
  figure: (measured: ServiceResult) => { text: string, met: boolean }
): Verdict {
  const parts: string[] = []
  let met = true
  for (const run of runs.filter(pick)) {
    const figures = run.scenarios.filter(scenarios).flatMap((scenario) => {
      const measured = serviceIn(scenario, label)
      if (measured === undefined) return []
      const verdict = figure(measured)
      // A figure of failed requests measures nothing the target asks for.
      const failed = failedRequests(measured)
      met &&= verdict.met && failed === 0
      return [`${scenario.name} ${verdict.text}${failed > 0 ? ` (${failed} FAILED)` : ''}`]
    })
    if (figures.length > 0) parts.push(`${run.dataset}: ${figures.join(', ')}`)
  }
  return parts.length === 0 ? none : { text: parts.join('; '), met }
}

const isSync = (scenario: ScenarioResult) => scenario.name === 'sync-5-services'
const isRead = (scenario: ScenarioResult) => scenario.kind === 'read'

const atLeast = (ratio: number, bound: number) => ({ text: `${two(ratio)}×`, met: ratio >= bound })

const targets: Target[] = [
  {
    name: 'sync, SQLite: ≥ 1.0× the naive writer\'s req/s',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'sqlite' && run.answerCache, isSync, (m) => atLeast(m.ratios.requestsPerSecond, 1))
  },
  {
    name: 'sync, SQLite: p99 ≤ 10× p50',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'sqlite' && run.answerCache, isSync, (m) => {
      const spread = m.latencyP99Ms / m.latencyP50Ms
      return { text: `${two(spread)}× (p50 ${m.latencyP50Ms.toFixed(1)}, p99 ${m.latencyP99Ms.toFixed(1)} ms; WAL ≤ ${((m.maxWalBytes ?? 0) / 2 ** 20).toFixed(1)} MB)`, met: spread <= 10 }
    })
  },
  {
    name: 'sync, PostgreSQL: ≥ 0.7× the naive writer\'s req/s',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'postgres', isSync, (m) => atLeast(m.ratios.requestsPerSecond, 0.7))
  },
  {
    name: 'sync, PostgreSQL: ≤ 2.5 ms CPU per sync, backends included',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'postgres', isSync, (m) => ({
      text: `${(m.cpuMicrosPerRequest / 1000).toFixed(2)} ms`, met: m.cpuMicrosPerRequest <= 2500
    }))
  },
  {
    name: 'reads, PostgreSQL: ≥ 0.5× the same SQL\'s req/s',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'postgres', isRead, (m) => atLeast(m.ratios.requestsPerSecond, 0.5))
  },
  {
    name: 'reads, SQLite without the answer cache: ≥ 0.5× the same SQL\'s req/s',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'sqlite' && !run.answerCache, isRead, (m) => atLeast(m.ratios.requestsPerSecond, 0.5))
  },
  {
    name: 'reads, SQLite with the answer cache: ≥ 0.5× bare Fastify\'s req/s',
    judge: (runs, label) => each(runs, label, (run) => run.dialect === 'sqlite' && run.answerCache, isRead, (m) => atLeast(m.ratios.requestsPerSecond, 0.5))
  },
  {
    name: 'computed reads: large within 1.25× of small (small req/s ÷ large req/s, raw)',
    judge: (runs, label) => {
      const parts: string[] = []
      let met = true
      for (const large of runs.filter((run) => run.dataset === 'large' && computed(run))) {
        const small = runs.find((run) => run.dataset === 'small' && run.dialect === large.dialect && run.answerCache === large.answerCache)
        if (small === undefined) continue
        const cells = large.scenarios.filter(isRead).flatMap((scenario) => {
          const onLarge = serviceIn(scenario, label)
          const onSmall = small.scenarios.find((candidate) => candidate.name === scenario.name)
          const smallMeasured = onSmall === undefined ? undefined : serviceIn(onSmall, label)
          if (onLarge === undefined || smallMeasured === undefined) return []
          const slowdown = smallMeasured.requestsPerSecond / onLarge.requestsPerSecond
          met &&= slowdown <= 1.25
          return [`${scenario.name} ${two(slowdown)}×`]
        })
        if (cells.length > 0) parts.push(`${large.dialect}${large.answerCache ? '' : ' uncached'}: ${cells.join(', ')}`)
      }
      return parts.length === 0 ? none : { text: parts.join('; '), met }
    }
  },
  {
    name: 'show of the most assigned service: RSS growth < 64 MB',
    judge: (runs, label) => {
      const shows = runs.flatMap((run) => run.services.filter((service) => service.label === label && service.popularShow !== null)
        .map((service) => ({ run, show: service.popularShow as NonNullable<typeof service.popularShow> })))
      if (shows.length === 0) return none
      return {
        text: shows.map(({ run, show }) => `${run.dataset}/${run.dialect} +${(show.rssGrowthKb / 1024).toFixed(1)} MB (${show.customersInBody ?? 'no'} customers)`).join(', '),
        met: shows.every(({ show }) => show.rssGrowthKb < 64 * 1024 && show.validJson && show.status === 200)
      }
    }
  },
  {
    name: 'start to ready < 1 s',
    judge: (runs, label) => {
      const starts = runs.flatMap((run) => run.services.filter((service) => service.label === label).map((service) => service.startToReadyMs))
      if (starts.length === 0) return none
      return { text: `≤ ${Math.max(...starts).toFixed(0)} ms`, met: starts.every((ms) => ms < 1000) }
    }
  }
]

const mark = (verdict: Verdict) => verdict.met === null ? verdict.text : `${verdict.met ? 'yes' : '**no**'}: ${verdict.text}`

/** Issue #16's targets, one column per service build measured. */
export function targetsTable (runs: RunResult[]): string {
  const labels = [...new Set(runs.flatMap((run) => run.services.map((service) => service.label)))]
  return [
    '### Targets (issue #16)',
    '',
    `| target | ${labels.join(' | ')} |`,
    `|---|${labels.map(() => '---').join('|')}|`,
    ...targets.map((target) => `| ${target.name} | ${labels.map((label) => mark(target.judge(runs, label))).join(' | ')} |`)
  ].join('\n')
}
