import { sql, type Kysely, type Selectable } from 'kysely'
import type { HistoryFilters } from '../../laravel/history-filters.js'
import { toLaravelTimestamp, toStoredBound } from '../../domain/timestamps.js'
import type { HistoryEntry } from '../../schemas/history.js'
import type { AssignmentHistoryTable, DB } from '../tables.js'
import { changeFacts } from './change-log.js'
import { boundPatterns, countRows, distinctPatterns, fetchPage, matchesAnyPattern, type Page } from './list.js'

export const historyFilters = ['action', 'service_key', 'from', 'to'] as const
export const historySorts = ['id'] as const

export interface HistoryQuery {
  readonly filters: HistoryFilters
  readonly newestFirst: boolean
  readonly page: number
  readonly perPage: number
}

/** Whose history: one customer's, or one service's across customers. */
export type HistoryScope = { readonly customerId: number } | { readonly serviceId: number }

function toHistoryEntry (row: Selectable<AssignmentHistoryTable>): HistoryEntry {
  return {
    id: Number(row.id),
    ...changeFacts(row),
    action: row.action,
    created_at: toLaravelTimestamp(row.created_at)
  }
}

/**
 * A page of assignment history, newest first unless asked otherwise. Both scopes read an
 * index that leads with their id and ends with the history id, so the order costs no sort.
 */
export async function listHistory (db: Kysely<DB>, scope: HistoryScope, query: HistoryQuery): Promise<Page<HistoryEntry>> {
  let filtered = db.selectFrom('assignment_history')
  filtered = 'customerId' in scope
    ? filtered.where('customer_id', '=', scope.customerId)
    : filtered.where('customer_service_id', '=', scope.serviceId)
  const { actions, serviceKeys, from, to } = query.filters
  if (actions.length > 0) filtered = filtered.where('action', 'in', [...actions])
  if (serviceKeys.length > 0) {
    const patterns = distinctPatterns(serviceKeys)
    filtered = filtered.where(matchesAnyPattern(db, sql<string>`lower(${sql.ref('service_key')})`, patterns.length, boundPatterns(patterns)))
  }
  if (from !== null) filtered = filtered.where('created_at', '>=', toStoredBound(from))
  if (to !== null) filtered = filtered.where('created_at', '<=', toStoredBound(to))
  const rows = filtered.selectAll().orderBy('id', query.newestFirst ? 'desc' : 'asc')
  const page = await fetchPage((limit, offset) => rows.limit(limit).offset(offset).execute(), countRows(filtered), query.page, query.perPage)
  return { rows: page.rows.map(toHistoryEntry), total: page.total }
}
