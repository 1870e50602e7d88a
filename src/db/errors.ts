/** Driver errors the query layer turns into answers, recognised on both dialects. */
export function isUniqueViolation (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** Deadlocks and serialization failures: the transaction did nothing and may simply run again. */
export function isTransient (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY'
}
