import { isAbsolute, resolve } from 'node:path'

export type DatabaseConfig =
  | { readonly dialect: 'sqlite', readonly filename: string }
  | { readonly dialect: 'postgres', readonly connectionString: string }

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export class ConfigError extends Error {}

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function integerIn (name: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`)
  }
  return value
}

/** How one setting's text becomes its value; `range`, when given, is written into its description. */
interface Reader<Value> {
  readonly parse: (name: string, text: string) => Value
  readonly range?: string
}

/** A whole number from `min` to `max`, times `unit` (megabytes to bytes, say). */
function wholeNumber (min: number, max: number, unit = 1): Reader<number> {
  return { parse: (name, text) => integerIn(name, text, min, max) * unit, range: `${min}–${max}` }
}

const asText: Reader<string> = { parse: (_name, text) => text }

function parseLogLevel (name: string, text: string): LogLevel {
  if (!logLevels.includes(text as LogLevel)) throw new ConfigError(`${name} must be one of ${logLevels.join(', ')}, got "${text}"`)
  return text as LogLevel
}

export function parseDatabaseUrl (url: string, cwd = process.cwd()): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url)
      if (parsed.hostname === '' && !parsed.searchParams.has('host')) throw new Error('no host')
    } catch {
      throw new ConfigError(`DATABASE_URL is not a valid PostgreSQL URL: "${redactUrl(url)}"`)
    }
    return { dialect: 'postgres', connectionString: url }
  }
  // Any other scheme would otherwise name a SQLite file in a directory called `sqlite:` or
  // `mysql:`, created without a word: `sqlite:///data/app.db`, as other tools write it, did.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme !== undefined && scheme !== 'file' && (scheme === 'sqlite' || url.slice(scheme.length).startsWith('://'))) {
    throw new ConfigError(`DATABASE_URL "${redactUrl(url)}" has a scheme this service does not read (${scheme}:): ` +
      'give postgres://… for PostgreSQL, or a file path (file: allowed) for SQLite')
  }
  const path = url.replace(/^file:(\/\/)?/, '')
  if (path === '') throw new ConfigError('DATABASE_URL names no SQLite file')
  if (path === ':memory:') return { dialect: 'sqlite', filename: path }
  return { dialect: 'sqlite', filename: isAbsolute(path) ? path : resolve(cwd, path) }
}

function parseTrustProxy (_name: string, text: string): boolean | number | readonly string[] {
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true'
  if (/^\d+$/.test(text)) return integerIn('TRUST_PROXY', text, 0, 100)
  return Object.freeze(text.split(',').map((part) => part.trim()).filter(Boolean))
}

/** Origins exactly as browsers send them: scheme, host and port only, or `*` alone. */
function parseCorsOrigins (_name: string, text: string): readonly string[] {
  const origins = text.split(',').map((part) => part.trim()).filter(Boolean)
  for (const origin of origins) {
    if (origin === '*' && origins.length === 1) continue
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {}
    if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS must be \`*\` or a comma-separated list of origins such as https://admin.example.com (no path, no trailing slash), got "${origin}"`)
    }
  }
  return Object.freeze(origins)
}

const MIN_METRICS_TOKEN_LENGTH = 16
const BYTES_PER_MB = 1024 * 1024

/** Printable ASCII without spaces, so it travels in a header as it is; never echoed back. */
function parseMetricsToken (_name: string, text: string): string {
  if (text !== '' && (text.length < MIN_METRICS_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(text))) {
    throw new ConfigError(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} printable characters without spaces, got ${text.length} characters`)
  }
  return text
}

function parseRedisUrl (_name: string, text: string): string | null {
  if (text === '') return null
  let parsed: URL | undefined
  try {
    parsed = new URL(text)
  } catch {}
  if (parsed === undefined || !/^rediss?:$/.test(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL with a host, got "${redactUrl(text)}"`)
  }
  return text
}

function parseKeyPrefix (_name: string, text: string): string {
  if (!/^[!-~]{1,100}$/.test(text)) {
    throw new ConfigError(`REDIS_KEY_PREFIX must be 1 to 100 printable characters without spaces, got "${text}"`)
  }
  return text
}

/** Hides the password of a connection URL, for messages and logs. */
export function redactUrl (url: string): string {
  // Up to the last `@`: a password may hold an unencoded `@` or `/`. Hiding too much is harmless.
  return url.replace(/(\/\/[^:/@]*:).*@/, '$1***@')
}

interface SettingSpec {
  readonly name: string
  /** The field of `Config` it sets. */
  readonly key: string
  readonly default: string
  readonly read: Reader<unknown>
  /** What the README's configuration table says of it; `{range}` stands for the reader's range. */
  readonly description: string
}

/**
 * Every environment variable the service reads, with how it is read: the one table that
 * `loadConfig`, the `Config` type, the README's configuration table (a test compares them) and
 * the defaults quoted in the OpenAPI description all come from.
 */
const table = [
  { name: 'PORT', key: 'port', default: '3000', read: wholeNumber(1, 65535), description: 'TCP port to listen on ({range}).' },
  { name: 'HOST', key: 'host', default: '0.0.0.0', read: asText, description: 'Address to listen on.' },
  {
    name: 'DATABASE_URL',
    key: 'database',
    default: 'data/customer-services.sqlite',
    read: { parse: (_name: string, text: string) => Object.freeze(parseDatabaseUrl(text)) },
    description: '`postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path (a `file:` prefix is allowed; `:memory:` keeps it in memory). Relative paths start from the working directory. Other schemes (`sqlite://…`, `mysql://…`) are refused at start.'
  },
  {
    name: 'SQLITE_BUSY_TIMEOUT',
    key: 'sqliteBusyTimeoutMs',
    default: '5000',
    read: wholeNumber(0, 60_000),
    description: 'Milliseconds ({range}) a SQLite write waits while another process writes; a write in a transaction (a sync, a create, a delete) is then tried again, 5 times in all, and a request still blocked answers 503.'
  },
  {
    name: 'DATABASE_TIMEOUT',
    key: 'databaseTimeoutMs',
    default: '5000',
    read: wholeNumber(100, 600_000),
    description: 'Milliseconds ({range}) a request waits on PostgreSQL: for a connection (to open one, or for one of the pool\'s ten to be free), and for each statement to run, lock waits included (`statement_timeout`); a statement still unanswered one second later (a silent network) ends its connection. Each answers 503. `/health/ready` answers 503 past it on both databases. Migrations are free of it.'
  },
  { name: 'LOG_LEVEL', key: 'logLevel', default: 'info', read: { parse: parseLogLevel }, description: `One of ${logLevels.join(', ')}.` },
  {
    name: 'TRUST_PROXY',
    key: 'trustProxy',
    default: 'false',
    read: { parse: parseTrustProxy },
    description: 'Honour `X-Forwarded-*` headers: `true`, `false`, a number of proxy hops, or a comma-separated list of proxy addresses/CIDR ranges.'
  },
  {
    name: 'TOKEN_TTL',
    key: 'tokenTtlSeconds',
    default: '2592000',
    read: wholeNumber(60, 10 * 365 * 24 * 3600),
    description: 'Lifetime of a login token in seconds ({range}; the default is 30 days).'
  },
  {
    name: 'TOKEN_CACHE_TTL',
    key: 'tokenCacheTtlSeconds',
    default: '5',
    read: wholeNumber(0, 60),
    description: 'Seconds a process trusts a token it has checked ({range}; 0 checks the database on every request). A token revoked through another process is refused by this one within this time at most.'
  },
  {
    name: 'ANSWER_CACHE_MB',
    key: 'answerCacheBytes',
    default: '32',
    read: wholeNumber(0, 1024, BYTES_PER_MB),
    description: 'Megabytes ({range}) of answers one process keeps on SQLite to serve a repeated read while the database is unchanged; any write, through any process, empties it. 0 computes every answer. PostgreSQL reads are never cached.'
  },
  {
    name: 'REQUEST_TIMEOUT',
    key: 'requestTimeoutSeconds',
    default: '30',
    read: wholeNumber(1, 3600),
    description: 'Seconds ({range}) a client has to send a whole request, headers and body; a slower one gets a 408 and the connection is closed. A connection silent for twice that long while its request is handled is closed too.'
  },
  {
    name: 'KEEP_ALIVE_TIMEOUT',
    key: 'keepAliveTimeoutSeconds',
    default: '72',
    read: wholeNumber(1, 3600),
    description: 'Seconds ({range}) an idle keep-alive connection stays open between requests; keep it above the idle timeout of a load balancer in front (60 s on most).'
  },
  {
    name: 'MAX_CONNECTIONS',
    key: 'maxConnections',
    default: '1000',
    read: wholeNumber(1, 1_000_000),
    description: 'Simultaneous connections one process accepts ({range}); a connection beyond them is closed at once, before any request is read.'
  },
  {
    name: 'CORS_ORIGINS',
    key: 'corsOrigins',
    default: '',
    read: { parse: parseCorsOrigins },
    description: 'Comma-separated browser origins allowed to call the API, such as `https://admin.example.com`, or `*` for any; empty sends no CORS headers at all.'
  },
  {
    name: 'METRICS_TOKEN',
    key: 'metricsToken',
    default: '',
    read: { parse: parseMetricsToken },
    description: `Turns on \`GET /metrics\` (Prometheus format), which then asks for \`Authorization: Bearer <METRICS_TOKEN>\`: at least ${MIN_METRICS_TOKEN_LENGTH} characters, no spaces (\`openssl rand -hex 32\` makes one). Empty: no metrics are collected and \`/metrics\` is a 404.`
  },
  {
    name: 'RATE_LIMIT_PER_MINUTE',
    key: 'rateLimitPerMinute',
    default: '2000',
    read: wholeNumber(1, 100_000_000),
    description: 'Requests one token may make to `/api/v1` and `/api/logout` within a minute ({range}); more are a 429 until the minute that began with its first counted request is over.'
  },
  {
    name: 'LOGIN_RATE_LIMIT_PER_MINUTE',
    key: 'loginRateLimitPerMinute',
    default: '10',
    read: wholeNumber(1, 1_000_000),
    description: 'Login attempts within a minute, successful or not, for one email from one IP address ({range}), as Laravel counts them; one IP address may make five times as many, whatever the emails.'
  },
  {
    name: 'REDIS_URL',
    key: 'redisUrl',
    default: '',
    read: { parse: parseRedisUrl },
    description: '`redis://[:password@]host[:port][/db]` (`rediss://` for TLS): the rate-limit counters live there, shared by every process that uses it. Empty keeps them in each process. While Redis does not answer, requests are served without a limit and a warning is logged.'
  },
  {
    name: 'REDIS_KEY_PREFIX',
    key: 'redisKeyPrefix',
    default: 'customer-services:',
    read: { parse: parseKeyPrefix },
    description: 'Prefix of every key the service writes to Redis (1–100 printable characters, no spaces), so that several services or environments can share one server.'
  }
] as const satisfies readonly SettingSpec[]

type TableEntry = (typeof table)[number]

/** The service's configuration: one field per setting, of the type its reader gives. */
export type Config = { readonly [Entry in TableEntry as Entry['key']]: ReturnType<Entry['read']['parse']> }

export interface Setting {
  readonly name: string
  readonly default: string
  readonly description: string
}

/** Every environment variable the service reads, as the README's configuration table lists them. */
export const settings: readonly Setting[] = table.map((entry: SettingSpec) => ({
  name: entry.name,
  default: entry.default,
  description: entry.description.replace('{range}', entry.read.range ?? '')
}))

/** A setting's documented default, for texts that quote it. */
export function defaultOf (name: TableEntry['name']): string {
  return (table.find((entry) => entry.name === name) as TableEntry).default
}

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const entries = table.map((entry: SettingSpec) => {
    const given = env[entry.name]?.trim()
    const text = given === undefined || given === '' ? entry.default : given
    return [entry.key, entry.read.parse(entry.name, text)]
  })
  return Object.freeze(Object.fromEntries(entries)) as Config
}
