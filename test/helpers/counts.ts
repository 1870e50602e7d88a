import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Test } from 'tap'

/** Checks every service's maintained customers_count against its pivot rows. */
export async function countsAreExact (t: Test, app: FastifyInstance): Promise<void> {
  const { rows } = await sql<{ key: string, stored: number, actual: number }>`
    select key, cast(customers_count as integer) as stored,
      cast((select count(*) from customer_customer_service p where p.customer_service_id = s.id) as integer) as actual
    from customer_services s order by id`.execute(app.db)
  t.same(rows.map((row) => [row.key, row.stored]), rows.map((row) => [row.key, row.actual]), 'customers_count is exact')
}
