import { datasetSpecs, type DatasetName } from './datasets.js'

export interface BenchOptions {
  readonly datasets: DatasetName[]
  /** SQLite always; PostgreSQL too when a server is named. */
  readonly postgresUrl: string | undefined
  readonly sqlite: boolean
  readonly durationSeconds: number
  readonly warmupSeconds: number
  /** Rounds of baseline, service, baseline that a scenario's time is split into. */
  readonly rounds: number
  readonly connections: number
  /** Only these scenarios, by name (all when empty). */
  readonly scenarios: string[]
  readonly plans: boolean
  /** Also the SQLite reads with the answer cache off: what a page costs when it is computed. */
  readonly uncached: boolean
  /** Another checkout whose built service is measured beside this one's, in the same rounds. */
  readonly compare: string | undefined
}

export const usage = `npm run bench [-- small|large ...]

  BENCH_DATASETS=small,large      data sets (default both; positional arguments too)
  BENCH_DATABASE_URL=postgres://… also run on PostgreSQL, in a fresh database per data set
  BENCH_SQLITE=0                  skip SQLite (with BENCH_DATABASE_URL)
  BENCH_DURATION=10               seconds measured per scenario and server
  BENCH_WARMUP=1                  seconds of unmeasured load before each scenario, on each server
  BENCH_ROUNDS=5                  rounds of reference, service(s), reference per scenario (slices of 2 s at least)
  BENCH_CONNECTIONS=50            concurrent connections
  BENCH_SCENARIOS=a,b             only these scenarios
  BENCH_PLANS=0                   skip the query plans of the large data set
  BENCH_UNCACHED=0                skip the SQLite reads measured again with ANSWER_CACHE_MB=0
  BENCH_COMPARE=/path/checkout    also measure that checkout's build (run \`npm run build\` there first)
                                  as service@<short commit>, scenario by scenario in the same rounds,
                                  on its own copy of each seeded database (which has this checkout's
                                  migrations: that build must have them all)

  Each scenario is measured against one reference, in the same rounds:
  - sync-5-services: the naive writer (bench/naive-server.mjs): bare Fastify and the same driver,
    lock, read the set, delete and insert the difference, commit; no history, outbox or counters
  - reads on PostgreSQL, and on SQLite with the answer cache off: the same SQL (bench/naive-server.mjs
    runs the statements the service runs for the request, captured from this checkout's app)
  - cached SQLite reads and login: bare Fastify answering a fixed body of the same size
  CPU per request counts the server process and, on PostgreSQL, the postgres processes working for
  its database. The report ends with the targets of issue #16.`

function list (text: string | undefined): string[] {
  return (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')
}

function positive (name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${text}"`)
  return value
}

export function parseOptions (argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const requested = argv.length > 0 ? argv : list(env.BENCH_DATASETS)
  const unknown = requested.filter((name) => !(name in datasetSpecs))
  if (unknown.length > 0) throw new Error(`unknown data set(s) ${unknown.join(', ')}; choose among small, large\n\n${usage}`)
  const postgresUrl = env.BENCH_DATABASE_URL?.trim() || undefined
  return {
    datasets: requested.length > 0 ? [...new Set(requested)] as DatasetName[] : ['small', 'large'],
    postgresUrl,
    sqlite: env.BENCH_SQLITE !== '0' || postgresUrl === undefined,
    durationSeconds: positive('BENCH_DURATION', env.BENCH_DURATION, 10),
    warmupSeconds: env.BENCH_WARMUP === '0' ? 0 : positive('BENCH_WARMUP', env.BENCH_WARMUP, 1),
    rounds: Math.round(positive('BENCH_ROUNDS', env.BENCH_ROUNDS, 5)),
    connections: Math.round(positive('BENCH_CONNECTIONS', env.BENCH_CONNECTIONS, 50)),
    scenarios: list(env.BENCH_SCENARIOS),
    plans: env.BENCH_PLANS !== '0',
    uncached: env.BENCH_UNCACHED !== '0',
    compare: env.BENCH_COMPARE?.trim() || undefined
  }
}
