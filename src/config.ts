import { isAbsolute, resolve } from 'node:path'

export type DatabaseConfig =
  | { readonly dialect: 'sqlite', readonly filename: string }
  | { readonly dialect: 'postgres', readonly connectionString: string }

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  readonly port: number
  readonly host: string
  readonly database: DatabaseConfig
  /** Milliseconds a SQLite write waits for another process's lock before it is retried. */
  readonly sqliteBusyTimeoutMs: number
  /** Milliseconds PostgreSQL has to give a connection or run a statement, and the readiness probe to answer. */
  readonly databaseTimeoutMs: number
  readonly logLevel: LogLevel
  /** Which proxies' `X-Forwarded-*` headers to honour: none, all, a hop count, or addresses and CIDR ranges. */
  readonly trustProxy: boolean | number | readonly string[]
  /** Lifetime of a login token, in seconds. */
  readonly tokenTtlSeconds: number
  /** How long a process may trust a token it has checked before asking the database again. */
  readonly tokenCacheTtlSeconds: number
  /** Text of answers a process may keep to serve repeated reads on SQLite, in bytes; 0 keeps none. */
  readonly answerCacheBytes: number
  /** Seconds a client has to send a whole request; twice that, how long a connection may stay silent during one. */
  readonly requestTimeoutSeconds: number
  /** Seconds an idle keep-alive connection is kept open between requests. */
  readonly keepAliveTimeoutSeconds: number
  /** Simultaneous connections a process accepts; more are closed at once. */
  readonly maxConnections: number
  /** Browser origins allowed to call the API (CORS); empty sends no CORS headers at all. */
  readonly corsOrigins: readonly string[]
  /** The bearer secret that `/metrics` asks for; empty turns metrics off. */
  readonly metricsToken: string
  /** Where rate-limit counters are shared between processes; null keeps them in each process. */
  readonly redisUrl: string | null
  /** Prefix of every key written to Redis. */
  readonly redisKeyPrefix: string
  /** Requests a minute one token may make. */
  readonly rateLimitPerMinute: number
  /** Login attempts a minute for one email from one IP address. */
  readonly loginRateLimitPerMinute: number
}

export class ConfigError extends Error {}

export interface Setting {
  readonly name: string
  readonly default: string
  readonly description: string
}

/** Every environment variable the service reads; the README's configuration table lists the same. */
export const settings: readonly Setting[] = [
  { name: 'PORT', default: '3000', description: 'TCP port to listen on (1–65535).' },
  { name: 'HOST', default: '0.0.0.0', description: 'Address to listen on.' },
  {
    name: 'DATABASE_URL',
    default: 'data/customer-services.sqlite',
    description: '`postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path (a `file:` prefix is allowed; `:memory:` keeps it in memory). Relative paths start from the working directory. Other schemes (`sqlite://…`, `mysql://…`) are refused at start.'
  },
  {
    name: 'SQLITE_BUSY_TIMEOUT',
    default: '5000',
    description: 'Milliseconds (0–60000) a SQLite write waits while another process writes; a write in a transaction (a sync, a create, a delete) is then tried again, 5 times in all, and a request still blocked answers 503.'
  },
  {
    name: 'DATABASE_TIMEOUT',
    default: '5000',
    description: 'Milliseconds (100–600000) a request waits on PostgreSQL: for a connection (to open one, or for one of the pool\'s ten to be free), and for each statement to run, lock waits included (`statement_timeout`); a statement still unanswered one second later (a silent network) ends its connection. Each answers 503. `/health/ready` answers 503 past it on both databases. Migrations are free of it.'
  },
  { name: 'LOG_LEVEL', default: 'info', description: 'One of fatal, error, warn, info, debug, trace, silent.' },
  {
    name: 'TRUST_PROXY',
    default: 'false',
    description: 'Honour `X-Forwarded-*` headers: `true`, `false`, a number of proxy hops, or a comma-separated list of proxy addresses/CIDR ranges.'
  },
  { name: 'TOKEN_TTL', default: '2592000', description: 'Lifetime of a login token in seconds (30 days).' },
  {
    name: 'TOKEN_CACHE_TTL',
    default: '5',
    description: 'Seconds a process trusts a token it has checked (0–60; 0 checks the database on every request). A token revoked through another process is refused by this one within this time at most.'
  },
  {
    name: 'ANSWER_CACHE_MB',
    default: '32',
    description: 'Megabytes (0–1024) of answers one process keeps on SQLite to serve a repeated read while the database is unchanged; any write, through any process, empties it. 0 computes every answer. PostgreSQL reads are never cached.'
  },
  {
    name: 'REQUEST_TIMEOUT',
    default: '30',
    description: 'Seconds (1–3600) a client has to send a whole request, headers and body; a slower one gets a 408 and the connection is closed. A connection silent for twice that long while its request is handled is closed too.'
  },
  {
    name: 'KEEP_ALIVE_TIMEOUT',
    default: '72',
    description: 'Seconds (1–3600) an idle keep-alive connection stays open between requests; keep it above the idle timeout of a load balancer in front (60 s on most).'
  },
  {
    name: 'MAX_CONNECTIONS',
    default: '1000',
    description: 'Simultaneous connections one process accepts (1–1000000); a connection beyond them is closed at once, before any request is read.'
  },
  {
    name: 'CORS_ORIGINS',
    default: '',
    description: 'Comma-separated browser origins allowed to call the API, such as `https://admin.example.com`, or `*` for any; empty sends no CORS headers at all.'
  },
  {
    name: 'METRICS_TOKEN',
    default: '',
    description: 'Turns on `GET /metrics` (Prometheus format), which then asks for `Authorization: Bearer <METRICS_TOKEN>`: at least 16 characters, no spaces (`openssl rand -hex 32` makes one). Empty: no metrics are collected and `/metrics` is a 404.'
  },
  {
    name: 'RATE_LIMIT_PER_MINUTE',
    default: '2000',
    description: 'Requests one token may make to `/api/v1` and `/api/logout` within a minute (1–100000000); more are a 429 until the minute that began with its first counted request is over.'
  },
  {
    name: 'LOGIN_RATE_LIMIT_PER_MINUTE',
    default: '10',
    description: 'Login attempts within a minute, successful or not, for one email from one IP address (1–1000000), as Laravel counts them; one IP address may make five times as many, whatever the emails.'
  },
  {
    name: 'REDIS_URL',
    default: '',
    description: '`redis://[:password@]host[:port][/db]` (`rediss://` for TLS): the rate-limit counters live there, shared by every process that uses it. Empty keeps them in each process. While Redis does not answer, requests are served without a limit and a warning is logged.'
  },
  {
    name: 'REDIS_KEY_PREFIX',
    default: 'customer-services:',
    description: 'Prefix of every key the service writes to Redis (1–100 printable characters, no spaces), so that several services or environments can share one server.'
  }
]

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function valueOf (env: NodeJS.ProcessEnv, name: string): string {
  const fromEnv = env[name]?.trim()
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const setting = settings.find((candidate) => candidate.name === name)
  if (setting === undefined) throw new Error(`unknown setting ${name}`)
  return setting.default
}

function integerIn (name: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`)
  }
  return value
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

function parseTrustProxy (text: string): boolean | number | readonly string[] {
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true'
  if (/^\d+$/.test(text)) return integerIn('TRUST_PROXY', text, 0, 100)
  return Object.freeze(text.split(',').map((part) => part.trim()).filter(Boolean))
}

/** Origins exactly as browsers send them: scheme, host and port only, or `*` alone. */
function parseCorsOrigins (text: string): readonly string[] {
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
function parseMetricsToken (text: string): string {
  if (text !== '' && (text.length < MIN_METRICS_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(text))) {
    throw new ConfigError(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} printable characters without spaces, got ${text.length} characters`)
  }
  return text
}

function parseRedisUrl (text: string): string | null {
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

function parseKeyPrefix (text: string): string {
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

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = valueOf(env, 'LOG_LEVEL') as LogLevel
  if (!logLevels.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${logLevel}"`)
  }
  return Object.freeze({
    port: integerIn('PORT', valueOf(env, 'PORT'), 1, 65535),
    host: valueOf(env, 'HOST'),
    database: Object.freeze(parseDatabaseUrl(valueOf(env, 'DATABASE_URL'))),
    sqliteBusyTimeoutMs: integerIn('SQLITE_BUSY_TIMEOUT', valueOf(env, 'SQLITE_BUSY_TIMEOUT'), 0, 60_000),
    databaseTimeoutMs: integerIn('DATABASE_TIMEOUT', valueOf(env, 'DATABASE_TIMEOUT'), 100, 600_000),
    logLevel,
    trustProxy: parseTrustProxy(valueOf(env, 'TRUST_PROXY')),
    tokenTtlSeconds: integerIn('TOKEN_TTL', valueOf(env, 'TOKEN_TTL'), 60, 10 * 365 * 24 * 3600),
    tokenCacheTtlSeconds: integerIn('TOKEN_CACHE_TTL', valueOf(env, 'TOKEN_CACHE_TTL'), 0, 60),
    answerCacheBytes: integerIn('ANSWER_CACHE_MB', valueOf(env, 'ANSWER_CACHE_MB'), 0, 1024) * BYTES_PER_MB,
    requestTimeoutSeconds: integerIn('REQUEST_TIMEOUT', valueOf(env, 'REQUEST_TIMEOUT'), 1, 3600),
    keepAliveTimeoutSeconds: integerIn('KEEP_ALIVE_TIMEOUT', valueOf(env, 'KEEP_ALIVE_TIMEOUT'), 1, 3600),
    maxConnections: integerIn('MAX_CONNECTIONS', valueOf(env, 'MAX_CONNECTIONS'), 1, 1_000_000),
    corsOrigins: parseCorsOrigins(valueOf(env, 'CORS_ORIGINS')),
    metricsToken: parseMetricsToken(valueOf(env, 'METRICS_TOKEN')),
    redisUrl: parseRedisUrl(valueOf(env, 'REDIS_URL')),
    redisKeyPrefix: parseKeyPrefix(valueOf(env, 'REDIS_KEY_PREFIX')),
    rateLimitPerMinute: integerIn('RATE_LIMIT_PER_MINUTE', valueOf(env, 'RATE_LIMIT_PER_MINUTE'), 1, 100_000_000),
    loginRateLimitPerMinute: integerIn('LOGIN_RATE_LIMIT_PER_MINUTE', valueOf(env, 'LOGIN_RATE_LIMIT_PER_MINUTE'), 1, 1_000_000)
  })
}
