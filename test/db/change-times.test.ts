import t from 'tap'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { bulkAssignService } from '../../src/db/queries/bulk-assignment.js'
import { createCustomerService } from '../../src/db/queries/customer-services.js'
import { createCustomer } from '../../src/db/queries/customers.js'
import { assignService, unassignService } from '../../src/db/queries/single-assignment.js'
import { databaseUrlFor, testDialects } from '../helpers/app.js'

for (const dialect of testDialects()) {
  t.test(`${dialect}: every writer stamps a customer's changes strictly after the last one`, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    await migrateToLatest(db, name)
    // Every request claims the same instant, as requests that waited for one lock would.
    const context = { userId: null, tokenId: null, reason: null, at: new Date('2026-01-01T00:00:00.000Z') }
    const customer = await createCustomer(db, 'Acme', context)
    const service = await createCustomerService(db, { key: 'tier-1', name: 'Tier 1', description: null, can_be_enabled: true }, context)

    await assignService(db, customer.id, service.id, {}, context)
    await unassignService(db, customer.id, service.id, context)
    await bulkAssignService(db, service.id, [customer.id], [], context)
    await assignService(db, customer.id, service.id, { version: '2' }, context)
    await bulkAssignService(db, service.id, [], [customer.id], context)

    const history = await db.selectFrom('assignment_history').select(['action', 'created_at']).where('customer_id', '=', customer.id).orderBy('id').execute()
    t.same(history.map((row) => row.action), ['attached', 'detached', 'attached', 'updated', 'detached'])
    const times = history.map((row) => new Date(row.created_at).getTime())
    for (let index = 1; index < times.length; index++) {
      t.ok((times[index] as number) > (times[index - 1] as number), `change ${index} is stamped after change ${index - 1}`)
    }
  })
}
