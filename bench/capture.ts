import SQLite from 'better-sqlite3'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import type { Dialect } from './report.js'
import { allDistinct, deriveTemplates, type CapturedRequest, type CapturedStatement, type StatementTemplate } from './parameters.js'
import type { Scenario } from './scenarios.js'
import { benchUser } from './seed.js'

type Method = (this: unknown, ...args: unknown[]) => unknown

/** Records every statement the drivers are handed while `active`: at the drivers, below Kysely, so nothing is missed. */
function tapDrivers () {
  const log: CapturedStatement[] = []
  let active = false
  const restores: Array<() => void> = []
  const wrap = (target: Record<string, Method>, name: string, read: (self: any, args: unknown[]) => CapturedStatement | undefined) => {
    const original = target[name] as Method
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (active) {
        const captured = read(this, args)
        if (captured !== undefined) log.push(captured)
      }
      return original.apply(this, args)
    }
    restores.push(() => { target[name] = original })
  }
  const probe = new SQLite(':memory:')
  const statementPrototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Method>
  probe.close()
  for (const method of ['all', 'get', 'run', 'iterate']) {
    wrap(statementPrototype, method, (statement: { source: string }, args) => ({
      sql: statement.source,
      parameters: args.length === 1 && Array.isArray(args[0]) ? args[0] : args
    }))
  }
  wrap(pg.Client.prototype as unknown as Record<string, Method>, 'query', (_client, [first, second]) => {
    if (typeof first === 'string') return { sql: first, parameters: Array.isArray(second) ? second : [] }
    const config = first as { text?: string, values?: unknown[] }
    return typeof config.text === 'string' ? { sql: config.text, parameters: config.values ?? [] } : undefined
  })
  return {
    async during (work: () => Promise<void>): Promise<CapturedStatement[]> {
      log.length = 0
      active = true
      try {
        await work()
      } finally {
        active = false
      }
      return [...log]
    },
    restore: () => { for (const restore of restores.reverse()) restore() }
  }
}

export interface ScenarioStatements {
  readonly scenario: string
  readonly templates: StatementTemplate[]
  /** What one request ran, as captured: in the results, for a reader to check the templates against. */
  readonly example: CapturedRequest
}

const DRAWS_TRIED = 50

/** Three draws of the scenario whose variables all differ, so each parameter's rule is checked on a third. */
function distinctDraws (scenario: Scenario) {
  const draws = [scenario.draw()]
  for (let tried = 0; draws.length < 3 && tried < DRAWS_TRIED; tried++) {
    const candidate = scenario.draw()
    if (allDistinct([...draws, candidate].map((drawn) => drawn.variables ?? {}))) draws.push(candidate)
  }
  if (draws.length < 3) throw new Error(`${scenario.name}: no three draws with distinct variables`)
  return draws
}

/**
 * The statements the service runs for each read scenario's request, with their parameters'
 * rules: the app of this checkout built in process on the seeded database, its answer cache
 * off (the pages computed), and one request injected first so that the token is checked and
 * the per-shape statements compiled as in a running service; then three requests captured.
 */
export async function captureScenarioStatements (databaseUrl: string, dialect: Dialect, scenarios: Scenario[]): Promise<ScenarioStatements[]> {
  const tap = tapDrivers()
  const app = await buildApp(loadConfig({
    DATABASE_URL: databaseUrl,
    ANSWER_CACHE_MB: '0',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000000'
  }))
  try {
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: benchUser.email, password: benchUser.password } })
    if (login.statusCode !== 200) throw new Error(`login answered ${login.statusCode}: ${login.body}`)
    const authorization = `Bearer ${(login.json() as { token: string }).token}`
    const answer = async (path: string) => {
      const response = await app.inject({ method: 'GET', url: path, headers: { authorization } })
      if (response.statusCode !== 200) throw new Error(`${dialect} ${path} answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
    }
    const captured: ScenarioStatements[] = []
    for (const scenario of scenarios.filter((candidate) => candidate.kind === 'read')) {
      const draws = distinctDraws(scenario)
      await answer((draws[0] as { path: string }).path)
      const requests: CapturedRequest[] = []
      for (const drawn of draws) {
        requests.push({ variables: drawn.variables ?? {}, statements: await tap.during(() => answer(drawn.path)) })
      }
      captured.push({ scenario: scenario.name, templates: deriveTemplates(requests), example: requests[0] as CapturedRequest })
    }
    return captured
  } finally {
    await app.close()
    tap.restore()
  }
}
