import { sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { ListQuery } from '../../laravel/list-query.js'
import { offsetOf } from '../../laravel/paginator.js'
import { containsPattern } from '../../domain/text-search.js'
import { compiledPerShape, type Value } from '../compiled-once.js'
import { patternRows } from '../dialect.js'
import type { DB } from '../tables.js'

/** How a list's filter and sort names map to SQL: a folded text per filter, columns per sort. */
export interface ListColumns<Filter extends string, Sort extends string> {
  readonly filters: Readonly<Record<Filter, Expression<string>>>
  readonly sorts: Readonly<Record<Sort | 'id', ReadonlyArray<Expression<unknown>>>>
}

export interface Page<Row> {
  readonly rows: Row[]
  readonly total: number
}

type Filters = ListQuery<string, string>['filters']

/** One filter as SQL matches it: a row matches when any of its patterns does. */
export interface FilterMatch {
  readonly field: string
  /** LIKE patterns (escape character `\`), folded, each once. */
  readonly patterns: readonly string[]
}

/** Values as LIKE patterns, each once: values that differ only by case are one pattern. */
export function distinctPatterns (values: readonly string[]): string[] {
  return [...new Set(values.map(containsPattern))]
}

export function filterMatches (filters: Filters): FilterMatch[] {
  return filters.map(({ field, values }) => ({ field, patterns: distinctPatterns(values) }))
}

/** The one value a filter binds, whatever its number of patterns: the pattern itself, or all of them as a JSON array. */
export function boundPatterns (patterns: readonly string[]): string {
  return patterns.length === 1 ? patterns[0] as string : JSON.stringify(patterns)
}

/**
 * Whether `column` matches any of a filter's patterns, bound as `boundPatterns` binds them.
 * Several patterns are one value read as a table rather than one `or` each: SQLite refuses
 * an expression tree deeper than 1000, and the statement keeps one shape however many
 * values a client sends. A single pattern (the usual filter) stays a plain LIKE, which
 * SQLite runs about three times faster than a lookup in a one-row JSON table.
 */
export function matchesAnyPattern (db: Kysely<DB>, column: Expression<string>, patternCount: number, bound: unknown): RawBuilder<SqlBool> {
  if (patternCount === 1) return sql<SqlBool>`${column} like ${bound} escape '\\'`
  return sql<SqlBool>`exists (select 1 from ${patternRows(db, bound)} where ${column} like pattern.value escape '\\')`
}

/** Different filters must all match; `bound` holds each filter's value, as `boundPatterns` gives it. */
export function applyFilters<QB extends SelectQueryBuilder<any, any, any>, Filter extends string> (
  db: Kysely<DB>,
  query: QB,
  matches: readonly FilterMatch[],
  columns: ListColumns<Filter, string>,
  bound: readonly unknown[]
): QB {
  let filtered = query
  matches.forEach(({ field, patterns }, index) => {
    filtered = filtered.where(matchesAnyPattern(db, columns.filters[field as Filter], patterns.length, bound[index])) as QB
  })
  return filtered
}

export function applySorts<QB extends SelectQueryBuilder<any, any, any>, Sort extends string> (
  query: QB,
  sorts: ListQuery<string, Sort>['sorts'],
  columns: ListColumns<string, Sort>
): QB {
  let sorted = query
  for (const { field, direction } of sorts) {
    for (const column of columns.sorts[field]) {
      sorted = sorted.orderBy(sql`${column} ${sql.raw(direction)}`) as QB
    }
  }
  return sorted
}

/** Counts the rows a (filtered) list query would give. */
export function countRows (query: SelectQueryBuilder<any, any, any>): () => Promise<number> {
  return async () => {
    const counted = await query.select(sql<number>`cast(count(*) as integer)`.as('total')).executeTakeFirstOrThrow()
    return Number(counted.total)
  }
}

/**
 * One page of rows and the total. The count is skipped when the page itself
 * shows where the list ends; `count` is asked only otherwise.
 */
export async function fetchPage<Row> (
  rowsAt: (limit: number, offset: number) => Promise<Row[]>,
  count: () => Promise<number>,
  page: number,
  perPage: number
): Promise<Page<Row>> {
  const offset = offsetOf(page, perPage)
  const found = await rowsAt(perPage, offset)
  if (found.length > 0 && found.length < perPage) return { rows: found, total: offset + found.length }
  if (found.length === 0 && offset === 0) return { rows: found, total: 0 }
  return { rows: found, total: await count() }
}

export interface ListDefinition<Base extends readonly Value[], Filter extends string, Sort extends string, Row> {
  readonly columns: ListColumns<Filter, Sort>
  /** The rows before the filters, from the list's own arguments (a customer's id…). */
  readonly from: (db: Kysely<DB>, ...base: Base) => SelectQueryBuilder<any, any, {}>
  /** The columns of a page. */
  readonly select: (rows: SelectQueryBuilder<any, any, {}>, db: Kysely<DB>, ...base: Base) => SelectQueryBuilder<any, any, Row>
  /** The total without filters, when it is kept rather than counted. */
  readonly unfilteredTotal?: (db: Kysely<DB>, ...base: Base) => Promise<number>
}

interface ListShape {
  readonly matches: readonly FilterMatch[]
  readonly sorts: ListQuery<string, string>['sorts']
  readonly baseLength: number
}

/** Everything of a list query that its SQL depends on: which filters with one pattern or several, which sorts. */
function listShapeKey ({ matches, sorts, baseLength }: ListShape): string {
  const filters = matches.map(({ field, patterns }) => `${field}:${patterns.length === 1 ? 'one' : 'any'}`).join(',')
  const order = sorts.map(({ field, direction }) => `${field}:${direction}`).join(',')
  return `${baseLength}|${filters}|${order}`
}

/**
 * A list whose page and count queries Kysely builds and compiles once per shape
 * (`compiledPerShape`), instead of on every request: the base arguments, the filters'
 * patterns, the limit and the offset are the values of the compiled SQL.
 */
export function compiledList<Base extends readonly Value[], Filter extends string, Sort extends string, Row> (
  list: ListDefinition<Base, Filter, Sort, Row>
): (db: Kysely<DB>, base: Base, query: ListQuery<Filter, Sort>) => Promise<Page<Row>> {
  const columns = list.columns as ListColumns<string, string>
  const filtered = (db: Kysely<DB>, { matches, baseLength }: ListShape, values: readonly Value[]) => {
    const base = values.slice(0, baseLength) as unknown as Base
    const bound = values.slice(baseLength, baseLength + matches.length)
    return { base, rows: applyFilters(db, list.from(db, ...base), matches, columns, bound) }
  }
  const pageOf = compiledPerShape(listShapeKey, (db, shape, values) => {
    const { base, rows } = filtered(db, shape, values)
    const sorted = applySorts(list.select(rows, db, ...base), shape.sorts, columns)
    return sorted.limit(values.at(-2) as number).offset(values.at(-1) as number)
  })
  const countOf = compiledPerShape(listShapeKey, (db, shape, values) =>
    filtered(db, shape, values).rows.select(sql<number>`cast(count(*) as integer)`.as('total')))

  const { unfilteredTotal } = list
  return async (db, base, query) => {
    const matches = filterMatches(query.filters)
    const shape = { matches, sorts: query.sorts, baseLength: base.length }
    const values = [...base, ...matches.map(({ patterns }) => boundPatterns(patterns))]
    const count = matches.length === 0 && unfilteredTotal !== undefined
      ? async () => await unfilteredTotal(db, ...base)
      : async () => Number((await countOf(db, shape, values))[0]?.total ?? 0)
    return await fetchPage((limit, offset) => pageOf(db, shape, [...values, limit, offset]), count, query.page, query.perPage)
  }
}
