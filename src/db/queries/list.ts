import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { ListQuery } from '../../domain/list-query.js'
import { offsetOf } from '../../domain/paginator.js'
import { containsPattern } from '../../domain/text-search.js'

/** How a list's filter and sort names map to SQL: a folded text per filter, columns per sort. */
export interface ListColumns<Filter extends string, Sort extends string> {
  readonly filters: Readonly<Record<Filter, Expression<string>>>
  readonly sorts: Readonly<Record<Sort | 'id', ReadonlyArray<Expression<unknown>>>>
}

export interface Page<Row> {
  readonly rows: Row[]
  readonly total: number
}

/** Different filters must all match; the values of one filter are alternatives. */
export function applyFilters<QB extends SelectQueryBuilder<any, any, any>, Filter extends string> (
  query: QB,
  filters: ListQuery<Filter, string>['filters'],
  columns: ListColumns<Filter, string>
): QB {
  let filtered = query
  for (const { field, values } of filters) {
    const column = columns.filters[field]
    filtered = filtered.where(({ or }) =>
      or(values.map((value) => sql<SqlBool>`${column} like ${containsPattern(value)} escape '\\'`))) as QB
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
  rows: SelectQueryBuilder<any, any, Row>,
  count: () => Promise<number>,
  page: number,
  perPage: number
): Promise<Page<Row>> {
  const offset = offsetOf(page, perPage)
  const found = await rows.limit(perPage).offset(offset).execute()
  if (found.length > 0 && found.length < perPage) return { rows: found, total: offset + found.length }
  if (found.length === 0 && offset === 0) return { rows: found, total: 0 }
  return { rows: found, total: await count() }
}
