import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { ListQuery } from '../../domain/list-query.js'
import { offsetOf } from '../../domain/paginator.js'
import { containsPattern } from '../../domain/text-search.js'
import { compiledPerShape, type Value } from '../compiled-once.js'
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

/** The LIKE patterns of the filters' values, in the order `applyFilters` takes them. */
export function filterPatterns (filters: Filters): string[] {
  return filters.flatMap(({ values }) => values.map(containsPattern))
}

/** Different filters must all match; the values of one filter are alternatives. */
export function applyFilters<QB extends SelectQueryBuilder<any, any, any>, Filter extends string> (
  query: QB,
  filters: ListQuery<Filter, string>['filters'],
  columns: ListColumns<Filter, string>,
  patterns: readonly string[]
): QB {
  let filtered = query
  let next = 0
  for (const { field, values } of filters) {
    const column = columns.filters[field]
    const own = patterns.slice(next, next += values.length)
    filtered = filtered.where(({ or }) =>
      or(own.map((pattern) => sql<SqlBool>`${column} like ${pattern} escape '\\'`))) as QB
  }
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
  readonly query: ListQuery<string, string>
  readonly baseLength: number
}

/** Everything of a list query that its SQL depends on: which filters with how many values, which sorts. */
function listShapeKey ({ query, baseLength }: ListShape): string {
  const filters = query.filters.map(({ field, values }) => `${field}:${values.length}`).join(',')
  const sorts = query.sorts.map(({ field, direction }) => `${field}:${direction}`).join(',')
  return `${baseLength}|${filters}|${sorts}`
}

/**
 * A list whose page and count queries Kysely builds and compiles once per shape
 * (`compiledPerShape`), instead of on every request: the base arguments, the filters'
 * patterns, the limit and the offset are the values of the compiled SQL.
 */
export function compiledList<Base extends readonly Value[], Filter extends string, Sort extends string, Row> (
  list: ListDefinition<Base, Filter, Sort, Row>
): (db: Kysely<DB>, base: Base, query: ListQuery<Filter, Sort>) => Promise<Page<Row>> {
  const filtered = (db: Kysely<DB>, { query, baseLength }: ListShape, values: readonly Value[]) => {
    const base = values.slice(0, baseLength) as unknown as Base
    const patterns = values.slice(baseLength, baseLength + query.filters.reduce((sum, { values }) => sum + values.length, 0))
    return { base, rows: applyFilters(list.from(db, ...base), query.filters as Filters, list.columns as ListColumns<string, string>, patterns as string[]) }
  }
  const pageOf = compiledPerShape(listShapeKey, (db, shape, values) => {
    const { base, rows } = filtered(db, shape, values)
    const sorted = applySorts(list.select(rows, db, ...base), shape.query.sorts, list.columns as ListColumns<string, string>)
    return sorted.limit(values.at(-2) as number).offset(values.at(-1) as number)
  })
  const countOf = compiledPerShape(listShapeKey, (db, shape, values) =>
    filtered(db, shape, values).rows.select(sql<number>`cast(count(*) as integer)`.as('total')))

  const { unfilteredTotal } = list
  return async (db, base, query) => {
    const shape = { query, baseLength: base.length }
    const values = [...base, ...filterPatterns(query.filters)]
    const count = query.filters.length === 0 && unfilteredTotal !== undefined
      ? async () => await unfilteredTotal(db, ...base)
      : async () => Number((await countOf(db, shape, values))[0]?.total ?? 0)
    return await fetchPage((limit, offset) => pageOf(db, shape, [...values, limit, offset]), count, query.page, query.perPage)
  }
}
