import type { Kysely } from 'kysely'

/** Columns that change on reads by design: a token's last use is recorded by any authenticated request. */
const volatileColumns = new Set(['api_tokens.last_used_at'])

export type TableSnapshot = Record<string, string[]>

/**
 * A function that reads every row of every application table (migration bookkeeping left
 * out) in a comparable form. The table list is read once: requests do not create tables.
 */
export async function tableSnapshotter (db: Kysely<any>): Promise<() => Promise<TableSnapshot>> {
  const tables = (await db.introspection.getTables()).map((table) => table.name).filter((name) => !name.startsWith('kysely_'))
  return async () => {
    const snapshot: TableSnapshot = {}
    for (const table of tables) {
      const rows = await db.selectFrom(table).selectAll().execute()
      snapshot[table] = rows.map((row) => JSON.stringify(Object.entries(row)
        .filter(([column]) => !volatileColumns.has(`${table}.${column}`))
        .map(([column, value]) => [column, value instanceof Date ? value.toISOString() : value]))).sort()
    }
    return snapshot
  }
}

/** The tables whose rows differ between two snapshots, with a few rows that changed. */
export function changedTables (before: TableSnapshot, after: TableSnapshot): Record<string, { removed: string[], added: string[] }> {
  const changes: Record<string, { removed: string[], added: string[] }> = {}
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = new Set(before[table] ?? [])
    const now = new Set(after[table] ?? [])
    const removed = [...old].filter((row) => !now.has(row))
    const added = [...now].filter((row) => !old.has(row))
    if (removed.length > 0 || added.length > 0) changes[table] = { removed: removed.slice(0, 3), added: added.slice(0, 3) }
  }
  return changes
}
