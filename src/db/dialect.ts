import { PostgresAdapter, sql, type AliasedRawBuilder, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { DatabaseConfig } from '../config.js'

/**
 * Everything the SQL of this service does differently on SQLite and PostgreSQL is here, so
 * that a query function never asks which database it runs on.
 */
export type DialectName = DatabaseConfig['dialect']

/**
 * The dialect of a handle (a `Kysely`, a `Transaction`, a connection), told by its adapter:
 * the one way the code knows it, so that it cannot disagree with the SQL Kysely writes.
 */
export function dialectOf (db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/**
 * PostgreSQL's row locks. SQLite has none (`FOR UPDATE` is a syntax error there), and needs
 * none: its transactions here begin immediate, which already excludes every other writer
 * from the first statement to the commit. So on SQLite the query is left as it is.
 */
export type RowLock = 'update' | 'no key update' | 'share' | 'key share'

export function lockingRows<QB extends SelectQueryBuilder<any, any, any>> (db: Kysely<any>, query: QB, lock: RowLock): QB {
  if (dialectOf(db) !== 'postgres') return query
  switch (lock) {
    case 'update': return query.forUpdate() as QB
    case 'no key update': return query.forNoKeyUpdate() as QB
    case 'share': return query.forShare() as QB
    case 'key share': return query.forKeyShare() as QB
  }
}

/**
 * Whether transactions that write can run at once (PostgreSQL), so that ids handed out
 * before commit may commit out of order; SQLite's writers run one after the other.
 */
export function writersRunConcurrently (db: Kysely<any>): boolean {
  return dialectOf(db) === 'postgres'
}

/**
 * Takes a transaction-scoped advisory lock on PostgreSQL, shared or exclusive, held until the
 * transaction ends. SQLite's writers are serialized already: there it does nothing.
 */
export async function advisoryTransactionLock (trx: Kysely<any>, key: number, mode: 'shared' | 'exclusive'): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return
  if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(${key})`.execute(trx)
  else await sql`select pg_advisory_xact_lock(${key})`.execute(trx)
}

/** Each dialect's rows of a JSON array of strings, as a table `pattern` with one column, `value`. */
const jsonArrayRows: Record<DialectName, (json: unknown) => RawBuilder<unknown>> = {
  sqlite: (json) => sql`json_each(${json}) as pattern`,
  postgres: (json) => sql`jsonb_array_elements_text(cast(${json} as jsonb)) as pattern(value)`
}

/** The strings of a JSON array bound as one value, as a table `pattern` with one column, `value`. */
export function patternRows (db: Kysely<any>, json: unknown): RawBuilder<unknown> {
  return jsonArrayRows[dialectOf(db)](json)
}

/**
 * Each dialect's rows of a JSON array (of numbers or of objects) bound as one value, as a table
 * whose column `value` holds each element. One statement text then serves any number of rows,
 * so it is prepared once (see `compiledOnce`).
 */
const jsonArrayElements: Record<DialectName, (json: unknown) => RawBuilder<unknown>> = {
  sqlite: (json) => sql`json_each(${json})`,
  postgres: (json) => sql`jsonb_array_elements(cast(${json} as jsonb))`
}

/** The elements of a JSON array bound as one value, as a table `alias` with one column, `value`. */
export function jsonElements<Alias extends string> (db: Kysely<any>, json: unknown, alias: Alias): AliasedRawBuilder<{ value: unknown }, Alias> {
  return jsonArrayElements[dialectOf(db)](json).as(alias) as AliasedRawBuilder<{ value: unknown }, Alias>
}

/**
 * The field `name` of the JSON objects of `jsonElements`'s table `alias`, as SQL `type`:
 * `->>` reads a field alike on both databases.
 */
export function jsonField<T> (alias: string, name: string, type: 'integer' | 'text'): RawBuilder<T> {
  return sql<T>`cast(${sql.ref(`${alias}.value`)} ->> ${sql.lit(name)} as ${sql.raw(type)})`
}

/**
 * Whether `column` is one of the ids of a JSON array of numbers bound as one value. PostgreSQL
 * estimates a table function's rows at 100 and would scan a whole table to join them: made an
 * array first, the ids are looked up in the column's index.
 */
const inJsonIdsOf: Record<DialectName, (column: string, json: unknown) => RawBuilder<SqlBool>> = {
  sqlite: (column, json) => sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${json}))`,
  postgres: (column, json) => sql<SqlBool>`${sql.ref(column)} = any(array(select cast(value as integer) from jsonb_array_elements(cast(${json} as jsonb))))`
}

export function inJsonIds (db: Kysely<any>, column: string, json: unknown): RawBuilder<SqlBool> {
  return inJsonIdsOf[dialectOf(db)](column, json)
}

/** A timestamp bound as text, as the type of stored timestamps (PostgreSQL reads a bare value in a select list as text). */
const storedTimestampOf: Record<DialectName, (value: unknown) => RawBuilder<string>> = {
  sqlite: (value) => sql<string>`${value}`,
  postgres: (value) => sql<string>`cast(${value} as timestamptz)`
}

export function storedTimestamp (db: Kysely<any>, value: unknown): RawBuilder<string> {
  return storedTimestampOf[dialectOf(db)](value)
}

/**
 * A one-row table whose reading takes the transaction-scoped advisory lock `key` in shared
 * mode on PostgreSQL, before any row of a statement that reads it is produced (see
 * `advisoryTransactionLock`); on SQLite, whose writers are serialized already, a plain row.
 */
const sharedAdvisoryLockOf: Record<DialectName, (key: number) => RawBuilder<unknown>> = {
  sqlite: () => sql`(select 1 as locked)`,
  postgres: (key) => sql`(select pg_advisory_xact_lock_shared(${key}) as locked)`
}

export function sharedAdvisoryLockRow (db: Kysely<any>, key: number): AliasedRawBuilder<{ locked: unknown }, 'advisory_lock'> {
  return sharedAdvisoryLockOf[dialectOf(db)](key).as('advisory_lock') as AliasedRawBuilder<{ locked: unknown }, 'advisory_lock'>
}

/**
 * Whether several writes can be one statement (PostgreSQL's data-modifying `with`): SQLite
 * runs them one after the other.
 */
export function writesCombineInOneStatement (db: Kysely<any>): boolean {
  return dialectOf(db) === 'postgres'
}
