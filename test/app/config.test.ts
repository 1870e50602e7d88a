import { resolve } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, parseDatabaseUrl, redactUrl, settings } from '../../src/config.js'

function configErrorOf (fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

t.test('an empty environment gives the documented defaults', async (t) => {
  t.same(loadConfig({}), {
    port: 3000,
    host: '0.0.0.0',
    database: { dialect: 'sqlite', filename: resolve(process.cwd(), 'data/customer-services.sqlite') },
    sqliteBusyTimeoutMs: 5000,
    databaseTimeoutMs: 5000,
    logLevel: 'info',
    trustProxy: false,
    tokenTtlSeconds: 2592000,
    tokenCacheTtlSeconds: 5,
    answerCacheBytes: 32 * 1024 * 1024,
    requestTimeoutSeconds: 30,
    keepAliveTimeoutSeconds: 72,
    maxConnections: 1000,
    corsOrigins: [],
    metricsToken: '',
    redisUrl: null,
    redisKeyPrefix: 'customer-services:',
    rateLimitPerMinute: 2000,
    loginRateLimitPerMinute: 10
  })
})

t.test('the defaults are the ones the settings table documents', async (t) => {
  t.same(settings.map((setting) => setting.name), ['PORT', 'HOST', 'DATABASE_URL', 'SQLITE_BUSY_TIMEOUT', 'DATABASE_TIMEOUT', 'LOG_LEVEL', 'TRUST_PROXY', 'TOKEN_TTL', 'TOKEN_CACHE_TTL',
    'ANSWER_CACHE_MB', 'REQUEST_TIMEOUT', 'KEEP_ALIVE_TIMEOUT', 'MAX_CONNECTIONS', 'CORS_ORIGINS', 'METRICS_TOKEN', 'RATE_LIMIT_PER_MINUTE', 'LOGIN_RATE_LIMIT_PER_MINUTE',
    'REDIS_URL', 'REDIS_KEY_PREFIX'])
  const defaults = Object.fromEntries(settings.map((setting) => [setting.name, setting.default]))
  t.same(loadConfig(defaults), loadConfig({}))
})

t.test('loadConfig reads exactly the documented variables', async (t) => {
  const read = new Set<string>()
  const recording = new Proxy({}, {
    get: (_target, name) => {
      if (typeof name === 'string') read.add(name)
      return undefined
    }
  })
  loadConfig(recording)
  t.same([...read].sort(), settings.map((setting) => setting.name).sort())
})

t.test('every documented variable changes the configuration', async (t) => {
  // A value other than the default for each setting; a new setting needs one here.
  const samples: Record<string, string> = {
    PORT: '8080',
    HOST: '127.0.0.1',
    DATABASE_URL: ':memory:',
    LOG_LEVEL: 'debug',
    TRUST_PROXY: 'true',
    TOKEN_TTL: '3600',
    TOKEN_CACHE_TTL: '0',
    ANSWER_CACHE_MB: '0',
    REQUEST_TIMEOUT: '10',
    KEEP_ALIVE_TIMEOUT: '5',
    MAX_CONNECTIONS: '10',
    CORS_ORIGINS: 'https://admin.example.com',
    SQLITE_BUSY_TIMEOUT: '250',
    DATABASE_TIMEOUT: '750',
    METRICS_TOKEN: 'a-scraper-secret-of-32-characters',
    RATE_LIMIT_PER_MINUTE: '60',
    LOGIN_RATE_LIMIT_PER_MINUTE: '5',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: 'staging:cs:'
  }
  const defaults = loadConfig({})
  for (const { name, default: documented } of settings) {
    const sample = samples[name]
    if (sample === undefined) {
      t.fail(`no sample value for ${name}`)
      continue
    }
    t.not(sample, documented, `${name}: the sample is not the default`)
    t.notSame(loadConfig({ [name]: sample }), defaults, `${name} has an effect`)
  }
})

t.test('the configuration is frozen, its database too', async (t) => {
  const config = loadConfig({})
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.database))
})

t.test('TOKEN_CACHE_TTL takes 0 to 60 seconds', async (t) => {
  t.equal(loadConfig({ TOKEN_CACHE_TTL: '0' }).tokenCacheTtlSeconds, 0)
  t.equal(loadConfig({ TOKEN_CACHE_TTL: '60' }).tokenCacheTtlSeconds, 60)
  for (const ttl of ['61', '-1', 'soon']) {
    t.throws(() => loadConfig({ TOKEN_CACHE_TTL: ttl }), { message: `TOKEN_CACHE_TTL must be a whole number from 0 to 60, got "${ttl}"` })
  }
})

t.test('ANSWER_CACHE_MB takes 0 to 1024 megabytes', async (t) => {
  t.equal(loadConfig({ ANSWER_CACHE_MB: '0' }).answerCacheBytes, 0)
  t.equal(loadConfig({ ANSWER_CACHE_MB: '1024' }).answerCacheBytes, 1024 * 1024 * 1024)
  for (const size of ['1025', '-1', '1.5', '32MB']) {
    t.throws(() => loadConfig({ ANSWER_CACHE_MB: size }), { message: `ANSWER_CACHE_MB must be a whole number from 0 to 1024, got "${size}"` })
  }
})

t.test('DATABASE_TIMEOUT takes 100 to 600000 milliseconds', async (t) => {
  t.equal(loadConfig({ DATABASE_TIMEOUT: '100' }).databaseTimeoutMs, 100)
  t.equal(loadConfig({ DATABASE_TIMEOUT: '600000' }).databaseTimeoutMs, 600000)
  for (const timeout of ['0', '99', '600001', '5s', '-1', '1.5']) {
    t.throws(() => loadConfig({ DATABASE_TIMEOUT: timeout }), { message: `DATABASE_TIMEOUT must be a whole number from 100 to 600000, got "${timeout}"` })
  }
})

t.test('SQLITE_BUSY_TIMEOUT takes 0 to 60000 milliseconds', async (t) => {
  t.equal(loadConfig({ SQLITE_BUSY_TIMEOUT: '0' }).sqliteBusyTimeoutMs, 0)
  t.equal(loadConfig({ SQLITE_BUSY_TIMEOUT: '60000' }).sqliteBusyTimeoutMs, 60000)
  for (const timeout of ['60001', '-1', '5s']) {
    t.throws(() => loadConfig({ SQLITE_BUSY_TIMEOUT: timeout }), { message: `SQLITE_BUSY_TIMEOUT must be a whole number from 0 to 60000, got "${timeout}"` })
  }
})

t.test('a blank variable means its default', async (t) => {
  const config = loadConfig({ PORT: '  ', HOST: '', LOG_LEVEL: ' ' })
  t.equal(config.port, 3000)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.logLevel, 'info')
})

t.test('values are read from the environment given, trimmed', async (t) => {
  const config = loadConfig({ PORT: ' 8080 ', HOST: '127.0.0.1', LOG_LEVEL: 'debug', TOKEN_TTL: '3600' })
  t.equal(config.port, 8080)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.logLevel, 'debug')
  t.equal(config.tokenTtlSeconds, 3600)
})

t.test('PORT accepts 1 to 65535', async (t) => {
  t.equal(loadConfig({ PORT: '1' }).port, 1)
  t.equal(loadConfig({ PORT: '65535' }).port, 65535)
})

t.test('a PORT that is not a whole number from 1 to 65535 is a ConfigError that says so', async (t) => {
  for (const port of ['0', '65536', 'abc', '80.5', '-1', '1e3', '0x50', '80 81']) {
    const error = configErrorOf(() => loadConfig({ PORT: port }))
    t.equal(error.message, `PORT must be a whole number from 1 to 65535, got "${port}"`)
  }
})

t.test('postgres:// and postgresql:// URLs select PostgreSQL, kept as given', async (t) => {
  for (const url of ['postgres://user:pw@db.example:5432/app', 'postgresql://user@localhost/app?sslmode=require']) {
    t.same(loadConfig({ DATABASE_URL: url }).database, { dialect: 'postgres', connectionString: url })
  }
})

t.test('a PostgreSQL URL through a Unix socket names its host as a parameter', async (t) => {
  t.same(parseDatabaseUrl('postgres:///app?host=/var/run/postgresql'), {
    dialect: 'postgres', connectionString: 'postgres:///app?host=/var/run/postgresql'
  })
})

t.test('an invalid PostgreSQL URL is a ConfigError that hides the password', async (t) => {
  const noHost = configErrorOf(() => loadConfig({ DATABASE_URL: 'postgres://admin:s3cret@/app' }))
  t.match(noHost.message, /^DATABASE_URL is not a valid PostgreSQL URL/)
  t.notMatch(noHost.message, /s3cret/)
  const badPort = configErrorOf(() => parseDatabaseUrl('postgresql://admin:s3cret@host:port/app'))
  t.match(badPort.message, /^DATABASE_URL is not a valid PostgreSQL URL/)
  t.notMatch(badPort.message, /s3cret/)
})

t.test('any other DATABASE_URL is a SQLite file, relative to the working directory', async (t) => {
  t.same(parseDatabaseUrl('db/app.sqlite', '/srv/app'), { dialect: 'sqlite', filename: '/srv/app/db/app.sqlite' })
  t.same(parseDatabaseUrl('./app.sqlite', '/srv/app'), { dialect: 'sqlite', filename: '/srv/app/app.sqlite' })
  t.same(parseDatabaseUrl('../app.sqlite', '/srv/app'), { dialect: 'sqlite', filename: '/srv/app.sqlite' })
  t.same(loadConfig({ DATABASE_URL: 'app.sqlite' }).database, { dialect: 'sqlite', filename: resolve('app.sqlite') })
})

t.test('an absolute SQLite path is kept', async (t) => {
  t.same(parseDatabaseUrl('/var/lib/app.sqlite', '/srv/app'), { dialect: 'sqlite', filename: '/var/lib/app.sqlite' })
})

t.test('a file: prefix is allowed, with or without slashes', async (t) => {
  t.same(parseDatabaseUrl('file:/var/lib/app.sqlite', '/srv'), { dialect: 'sqlite', filename: '/var/lib/app.sqlite' })
  t.same(parseDatabaseUrl('file:///var/lib/app.sqlite', '/srv'), { dialect: 'sqlite', filename: '/var/lib/app.sqlite' })
  t.same(parseDatabaseUrl('file:data/app.sqlite', '/srv'), { dialect: 'sqlite', filename: '/srv/data/app.sqlite' })
})

t.test(':memory: keeps the database in memory, with or without file:', async (t) => {
  t.same(loadConfig({ DATABASE_URL: ':memory:' }).database, { dialect: 'sqlite', filename: ':memory:' })
  t.same(parseDatabaseUrl('file::memory:'), { dialect: 'sqlite', filename: ':memory:' })
})

t.test('another scheme is a ConfigError, not a file in a directory named after it', async (t) => {
  for (const url of ['sqlite:///var/lib/app.sqlite', 'sqlite:app.sqlite', 'SQLite://app.sqlite', 'mysql://admin:s3cret@db/app', 'postgre://db/app']) {
    const error = configErrorOf(() => loadConfig({ DATABASE_URL: url }))
    t.match(error.message, /^DATABASE_URL ".*" has a scheme this service does not read \([a-z]+:\): give postgres:\/\/… for PostgreSQL, or a file path/, url)
    t.notMatch(error.message, /s3cret/, 'the password is not repeated')
  }
  t.same(parseDatabaseUrl('data:2026/app.sqlite', '/srv'), { dialect: 'sqlite', filename: '/srv/data:2026/app.sqlite' },
    'a colon in a plain path is still a path')
})

t.test('a file: URL with no path is a ConfigError', async (t) => {
  t.equal(configErrorOf(() => loadConfig({ DATABASE_URL: 'file:' })).message, 'DATABASE_URL names no SQLite file')
})

t.test('TRUST_PROXY reads true and false in any case', async (t) => {
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: 'TRUE' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: 'False' }).trustProxy, false)
})

t.test('TRUST_PROXY as a number is a hop count', async (t) => {
  t.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2)
  t.equal(loadConfig({ TRUST_PROXY: '0' }).trustProxy, 0)
  t.match(configErrorOf(() => loadConfig({ TRUST_PROXY: '101' })).message, /^TRUST_PROXY must be a whole number/)
})

t.test('TRUST_PROXY as a list names proxy addresses and ranges, trimmed', async (t) => {
  const { trustProxy } = loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1 ,,::1' })
  t.same(trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1'])
  t.ok(Object.isFrozen(trustProxy))
  t.same(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy, ['loopback'])
})

t.test('an unknown LOG_LEVEL is a ConfigError that lists the levels', async (t) => {
  t.equal(configErrorOf(() => loadConfig({ LOG_LEVEL: 'verbose' })).message,
    'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"')
})

t.test('every documented LOG_LEVEL is accepted', async (t) => {
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
    t.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level)
  }
})

t.test('TOKEN_TTL is a whole number of seconds from one minute to ten years', async (t) => {
  t.equal(loadConfig({ TOKEN_TTL: '60' }).tokenTtlSeconds, 60)
  t.equal(loadConfig({ TOKEN_TTL: '315360000' }).tokenTtlSeconds, 315360000)
  for (const ttl of ['59', '315360001', '1h', '-60', '3600.5']) {
    t.match(configErrorOf(() => loadConfig({ TOKEN_TTL: ttl })).message,
      `TOKEN_TTL must be a whole number from 60 to 315360000, got "${ttl}"`)
  }
})

t.test('redactUrl hides the password of a connection URL', async (t) => {
  t.equal(redactUrl('postgres://user:s3cret@db.example:5432/app'), 'postgres://user:***@db.example:5432/app')
  t.equal(redactUrl('postgresql://user:pa:ss/word@host/app'), 'postgresql://user:***@host/app')
})

t.test('redactUrl hides a password that contains an unencoded @ entirely', async (t) => {
  // The URL parser (and pg) take the last @ as the end of the credentials.
  t.equal(new URL('postgres://user:p@ss@host/app').hostname, 'host')
  t.equal(redactUrl('postgres://user:p@ss@host/app'), 'postgres://user:***@host/app')
})

t.test('redactUrl leaves a URL without a password unchanged', async (t) => {
  t.equal(redactUrl('postgres://user@host/app'), 'postgres://user@host/app')
  t.equal(redactUrl('postgres://host/app'), 'postgres://host/app')
  t.equal(redactUrl('data/app.sqlite'), 'data/app.sqlite')
})

t.test('REQUEST_TIMEOUT and KEEP_ALIVE_TIMEOUT take 1 to 3600 seconds', async (t) => {
  const config = loadConfig({ REQUEST_TIMEOUT: '5', KEEP_ALIVE_TIMEOUT: '3600' })
  t.equal(config.requestTimeoutSeconds, 5)
  t.equal(config.keepAliveTimeoutSeconds, 3600)
  for (const name of ['REQUEST_TIMEOUT', 'KEEP_ALIVE_TIMEOUT']) {
    for (const value of ['0', '3601', '1.5', 'soon']) {
      t.equal(configErrorOf(() => loadConfig({ [name]: value })).message, `${name} must be a whole number from 1 to 3600, got "${value}"`)
    }
  }
})

t.test('MAX_CONNECTIONS takes 1 to 1000000', async (t) => {
  t.equal(loadConfig({ MAX_CONNECTIONS: '1' }).maxConnections, 1)
  t.equal(loadConfig({ MAX_CONNECTIONS: '1000000' }).maxConnections, 1_000_000)
  for (const value of ['0', '1000001', 'many']) {
    t.equal(configErrorOf(() => loadConfig({ MAX_CONNECTIONS: value })).message, `MAX_CONNECTIONS must be a whole number from 1 to 1000000, got "${value}"`)
  }
})

t.test('CORS_ORIGINS is a trimmed, frozen list of origins, or * alone', async (t) => {
  const { corsOrigins } = loadConfig({ CORS_ORIGINS: ' https://admin.example.com ,, http://localhost:5173' })
  t.same(corsOrigins, ['https://admin.example.com', 'http://localhost:5173'])
  t.ok(Object.isFrozen(corsOrigins))
  t.same(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, ['*'])
  t.same(loadConfig({ CORS_ORIGINS: ' ' }).corsOrigins, [])
})

t.test('a CORS_ORIGINS entry that is not an origin is a ConfigError naming it', async (t) => {
  for (const origin of ['https://admin.example.com/', 'https://admin.example.com/app', 'admin.example.com', 'ftp://files.example.com', 'HTTPS://Admin.example.com']) {
    t.match(configErrorOf(() => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${origin}` })).message,
      `CORS_ORIGINS must be \`*\` or a comma-separated list of origins such as https://admin.example.com (no path, no trailing slash), got "${origin}"`)
  }
  t.match(configErrorOf(() => loadConfig({ CORS_ORIGINS: '*,https://admin.example.com' })).message, 'got "*"')
})

t.test('METRICS_TOKEN is empty (metrics off) or a secret of at least 16 printable characters', async (t) => {
  t.equal(loadConfig({ METRICS_TOKEN: ' ' }).metricsToken, '')
  t.equal(loadConfig({ METRICS_TOKEN: ' 0123456789abcdef ' }).metricsToken, '0123456789abcdef')
  t.equal(loadConfig({ METRICS_TOKEN: 'a+b/c=d_e-f.g~h!i' }).metricsToken, 'a+b/c=d_e-f.g~h!i')
  for (const [token, length] of [['short-secret', 12], ['0123456789 abcdef', 17], ['0123456789abcdef\u00e9', 17]] as const) {
    const error = configErrorOf(() => loadConfig({ METRICS_TOKEN: token }))
    t.equal(error.message, `METRICS_TOKEN must be at least 16 printable characters without spaces, got ${length} characters`)
    t.notMatch(error.message, token, 'the secret is not echoed')
  }
})

t.test('RATE_LIMIT_PER_MINUTE and LOGIN_RATE_LIMIT_PER_MINUTE are whole numbers from 1', async (t) => {
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '60', LOGIN_RATE_LIMIT_PER_MINUTE: '5' })
  t.equal(config.rateLimitPerMinute, 60)
  t.equal(config.loginRateLimitPerMinute, 5)
  for (const value of ['0', '100000001', 'lots', '1.5']) {
    t.equal(configErrorOf(() => loadConfig({ RATE_LIMIT_PER_MINUTE: value })).message, `RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 100000000, got "${value}"`)
  }
  t.equal(configErrorOf(() => loadConfig({ LOGIN_RATE_LIMIT_PER_MINUTE: '0' })).message, 'LOGIN_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000, got "0"')
})

t.test('REDIS_URL takes redis:// and rediss:// URLs; another is a ConfigError that hides the password', async (t) => {
  t.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl, 'redis://127.0.0.1:6379/2')
  t.equal(loadConfig({ REDIS_URL: 'rediss://:s3cret@cache.example:6380' }).redisUrl, 'rediss://:s3cret@cache.example:6380')
  for (const url of ['http://:s3cret@cache.example', 'redis://:s3cret@', 'cache.example:6379']) {
    const error = configErrorOf(() => loadConfig({ REDIS_URL: url }))
    t.match(error.message, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL with a host, got "/)
    t.notMatch(error.message, /s3cret/)
  }
})

t.test('REDIS_KEY_PREFIX is 1 to 100 printable characters without spaces', async (t) => {
  t.equal(loadConfig({ REDIS_KEY_PREFIX: 'staging:cs:' }).redisKeyPrefix, 'staging:cs:')
  for (const prefix of ['with space', 'x'.repeat(101), 'tab\there']) {
    t.match(configErrorOf(() => loadConfig({ REDIS_KEY_PREFIX: prefix })).message, /^REDIS_KEY_PREFIX must be 1 to 100 printable characters without spaces/)
  }
})
