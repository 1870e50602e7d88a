/** Driver errors the query layer turns into answers, recognised on both dialects. */
export function isUniqueViolation (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

export function isForeignKeyViolation (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** Deadlocks and serialization failures: the transaction did nothing and may simply run again. */
export function isTransient (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY'
}

/** Socket errors of a connection to PostgreSQL that cannot be made or was lost. */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * PostgreSQL's SQLSTATEs for a server that cannot serve now and may soon, by class rather than
 * by the codes met so far: 08 (connection exception), 53 (insufficient resources: too many
 * connections, out of memory or disk), 57 (operator intervention: shutdown, cannot connect now,
 * a statement cancelled by `statement_timeout`), and 55000, which a database closed to
 * connections (`ALLOW_CONNECTIONS false`) answers.
 */
const postgresUnavailable = /^(08|53|57)[0-9A-Z]{3}$|^55000$/

/**
 * What `pg` and its pool throw, without a code, when a connection ends or cannot be had, or
 * when a query got no answer within its `query_timeout` (a silent network or server).
 */
const poolMessages = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/

/**
 * The database cannot be reached, is shutting down, or (SQLite) stayed locked by another
 * process through every retry: the request may succeed later, so it answers 503.
 */
export function isUnavailable (error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown, message?: unknown }
  if (typeof code === 'string') {
    return networkCodes.has(code) || postgresUnavailable.test(code) || code.startsWith('SQLITE_BUSY')
  }
  return typeof message === 'string' && poolMessages.test(message)
}
