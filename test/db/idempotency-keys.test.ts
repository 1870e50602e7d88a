import t from 'tap'
import { parseDatabaseUrl } from '../../src/config.js'
import { createDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { inTransaction } from '../../src/db/transaction.js'
import { createCustomer } from '../../src/db/queries/customers.js'
import {
  claimIdempotencyKey,
  markIdempotentWrites,
  purgeExpiredIdempotencyKeys,
  releaseIdempotencyKey,
  storeIdempotentAnswer
} from '../../src/db/queries/idempotency.js'
import { databaseUrlFor, testDialects } from '../helpers/app.js'

const times = { ttlMs: 24 * 3600_000, leaseMs: 60_000 }
const start = new Date('2026-05-01T10:00:00.000Z')
const at = (ms: number) => new Date(start.getTime() + ms)
const id = { tokenId: 7, key: 'order-1' }
// SHA-256 digests in hex, as the plugin computes them.
const f1 = { canonical: 'a1'.repeat(32), asSent: 'c1'.repeat(32) }
const f2 = { canonical: 'b2'.repeat(32), asSent: 'd2'.repeat(32) }
const answer = { status: 201, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":1}' }

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const { db, dialect: name } = createDatabase(parseDatabaseUrl(await databaseUrlFor(t, dialect)))
    t.teardown(() => db.destroy())
    await migrateToLatest(db, name)
    t.beforeEach(async () => { await db.deleteFrom('idempotency_keys').execute() })

    /** A claim of the key, the step that marks its writes applied (as the plugin's does), and a change context carrying it. */
    const claimMarkingWrites = async () => {
      const claim = await claimIdempotencyKey(db, id, f1, start, times)
      if (claim.outcome !== 'claimed') throw new Error('not claimed')
      const marking = async (trx: Parameters<typeof markIdempotentWrites>[0]) => {
        if (!await markIdempotentWrites(trx, id, claim.claimedAt, at(5))) throw new Error('claim lost')
      }
      return { claim, marking, context: { userId: null, tokenId: null, reason: null, at: at(5), idempotencyClaim: marking } }
    }

    t.test('writes that committed under a claim are never run again, even when their answer was never stored', async (t) => {
      const { claim, context } = await claimMarkingWrites()
      await createCustomer(db, 'Once Only', context)
      // The process dies here: no answer is stored, and the claim is not released.
      await releaseIdempotencyKey(db, id, claim.claimedAt)
      t.same(await claimIdempotencyKey(db, id, f1, at(times.leaseMs - 1), times), { outcome: 'in_progress' }, 'within the lease')
      t.same(await claimIdempotencyKey(db, id, f1, at(times.leaseMs + 5), times), { outcome: 'answer_lost' }, 'past the lease: not run again')
      t.same(await claimIdempotencyKey(db, id, f1, at(times.leaseMs + 10_000), times), { outcome: 'answer_lost' }, 'and so it stays')
      t.equal((await db.selectFrom('customers').select('id').where('name', '=', 'Once Only').execute()).length, 1)
    })

    t.test('a mark rolls back with its writes, and a claim taken over stops the writes of the request that lost it', async (t) => {
      const { marking, context } = await claimMarkingWrites()
      await t.rejects(inTransaction(db, async (trx) => {
        await trx.insertInto('customers').values({ name: 'Failed', name_folded: 'failed', customer_account: null, created_at: start.toISOString(), updated_at: start.toISOString() }).execute()
        throw new Error('the write failed')
      }, { first: marking }), /the write failed/)
      t.same(await claimIdempotencyKey(db, id, f1, at(times.leaseMs + 5), times), { outcome: 'claimed', claimedAt: at(times.leaseMs + 5).toISOString() },
        'the failed writes left no mark: past the lease the retry runs')
      await t.rejects(createCustomer(db, 'Too Late', context), /claim lost/)
      t.equal((await db.selectFrom('customers').select('id').where('name', '=', 'Too Late').execute()).length, 0, 'nothing of it committed')
    })

    t.test('of concurrent claims of one key exactly one succeeds', async (t) => {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => claimIdempotencyKey(db, id, f1, start, times)))
      t.equal(outcomes.filter((outcome) => outcome.outcome === 'claimed').length, 1)
      t.equal(outcomes.filter((outcome) => outcome.outcome === 'in_progress').length, 19)
    })

    t.test('a record holds the canonical fingerprint; one written before it, the request as sent, which still matches', async (t) => {
      const claim = await claimIdempotencyKey(db, id, f1, start, times)
      if (claim.outcome !== 'claimed') throw new Error('not claimed')
      t.same(await db.selectFrom('idempotency_keys').select('fingerprint').execute(), [{ fingerprint: f1.canonical }])
      t.ok(await storeIdempotentAnswer(db, id, claim.claimedAt, answer, at(5), times.ttlMs))
      t.same(await claimIdempotencyKey(db, id, { ...f1, asSent: f2.asSent }, at(10), times), { outcome: 'replay', answer }, 'the same parameters, sent otherwise')

      await db.updateTable('idempotency_keys').set({ fingerprint: f1.asSent }).execute()
      t.same(await claimIdempotencyKey(db, id, f1, at(10), times), { outcome: 'replay', answer }, 'an older record: the same bytes')
      t.same(await claimIdempotencyKey(db, id, { ...f2, canonical: f1.canonical }, at(10), times), { outcome: 'mismatch' },
        'an older record cannot tell the same parameters sent otherwise from another request')
    })

    t.test('a stored answer is replayed to the same fingerprint only', async (t) => {
      const claim = await claimIdempotencyKey(db, id, f1, start, times)
      if (claim.outcome !== 'claimed') throw new Error('not claimed')
      t.ok(await storeIdempotentAnswer(db, id, claim.claimedAt, answer, at(5), times.ttlMs))
      t.same(await claimIdempotencyKey(db, id, f1, at(10), times), { outcome: 'replay', answer })
      t.same(await claimIdempotencyKey(db, id, f2, at(10), times), { outcome: 'mismatch' })
      t.same(await claimIdempotencyKey(db, { ...id, tokenId: 8 }, f2, at(10), times), { outcome: 'claimed', claimedAt: at(10).toISOString() },
        'another token, another key')
      t.same(await claimIdempotencyKey(db, { ...id, key: 'ORDER-1' }, f2, at(10), times), { outcome: 'claimed', claimedAt: at(10).toISOString() },
        'keys are case-sensitive')
    })

    t.test('an answer expires 24 hours after it was stored', async (t) => {
      const claim = await claimIdempotencyKey(db, id, f1, start, times)
      if (claim.outcome !== 'claimed') throw new Error('not claimed')
      await storeIdempotentAnswer(db, id, claim.claimedAt, answer, at(1000), times.ttlMs)
      t.equal((await claimIdempotencyKey(db, id, f2, at(times.ttlMs + 999), times)).outcome, 'mismatch')
      t.same(await claimIdempotencyKey(db, id, f2, at(times.ttlMs + 1000), times), { outcome: 'claimed', claimedAt: at(times.ttlMs + 1000).toISOString() })
    })

    t.test('a released claim frees the key; a claim past its lease is taken over by one request only', async (t) => {
      const first = await claimIdempotencyKey(db, id, f1, start, times)
      if (first.outcome !== 'claimed') throw new Error('not claimed')
      await releaseIdempotencyKey(db, id, first.claimedAt)
      const second = await claimIdempotencyKey(db, id, f1, at(1), times)
      t.equal(second.outcome, 'claimed', 'released')
      if (second.outcome !== 'claimed') return

      t.equal((await claimIdempotencyKey(db, id, f1, at(times.leaseMs), times)).outcome, 'in_progress')
      const takeovers = await Promise.all(Array.from({ length: 10 }, () => claimIdempotencyKey(db, id, f1, at(times.leaseMs + 1), times)))
      t.equal(takeovers.filter((outcome) => outcome.outcome === 'claimed').length, 1, 'one takeover')
      t.notOk(await storeIdempotentAnswer(db, id, second.claimedAt, answer, at(times.leaseMs + 2), times.ttlMs),
        'the claim taken over no longer stores its answer')
      await releaseIdempotencyKey(db, id, second.claimedAt)
      t.equal((await claimIdempotencyKey(db, id, f1, at(times.leaseMs + 3), times)).outcome, 'in_progress', 'nor releases the new one')
    })

    t.test('the purge deletes expired records only, at most `limit` at a time', async (t) => {
      for (let i = 0; i < 5; i++) await claimIdempotencyKey(db, { tokenId: 1, key: `old-${i}` }, f1, at(i), times)
      await claimIdempotencyKey(db, { tokenId: 1, key: 'new' }, f1, at(times.ttlMs), times)
      t.equal(await purgeExpiredIdempotencyKeys(db, at(times.ttlMs + 10), 3), 3)
      t.equal(await purgeExpiredIdempotencyKeys(db, at(times.ttlMs + 10), 3), 2)
      t.equal(await purgeExpiredIdempotencyKeys(db, at(times.ttlMs + 10), 3), 0)
      t.same(await db.selectFrom('idempotency_keys').select('key').execute(), [{ key: 'new' }])
    })
  })
}
