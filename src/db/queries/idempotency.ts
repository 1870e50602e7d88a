import type { ExpressionBuilder, Kysely, Transaction } from 'kysely'
import { judgeRecord, type RequestFingerprint } from '../../domain/idempotency.js'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import type { DB } from '../tables.js'

/** A key as one token used it. */
export interface IdempotencyKeyId {
  readonly tokenId: number
  readonly key: string
}

export interface StoredAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | null
}

export type ClaimOutcome =
  /** The key is this request's: answer it, then store or release it. `claimedAt` identifies the claim. */
  | { readonly outcome: 'claimed', readonly claimedAt: string }
  | { readonly outcome: 'replay', readonly answer: StoredAnswer }
  | { readonly outcome: 'mismatch' }
  | { readonly outcome: 'in_progress' }
  /** The request was applied, and its answer lost: it must not run again. */
  | { readonly outcome: 'answer_lost' }

export interface IdempotencyTimes {
  readonly ttlMs: number
  readonly leaseMs: number
}

/** A record that vanishes or changes under a claim is looked at again, this many times in all. */
const CLAIM_ATTEMPTS = 3

const atKey = (id: IdempotencyKeyId) => ({ token_id: id.tokenId, key: id.key })

/** The record of a key while it is still the claim made at `claimedAt`: not yet answered, not taken over. */
const isClaim = (id: IdempotencyKeyId, claimedAt: string) => (eb: ExpressionBuilder<DB, 'idempotency_keys'>) => eb.and([
  eb('token_id', '=', id.tokenId),
  eb('key', '=', id.key),
  eb('status', 'is', null),
  eb('created_at', '=', claimedAt)
])

/**
 * Claims a key for a request, or says why not. The claim is a row without a status,
 * inserted under the table's primary key, so that of two requests with the same key
 * (in this process or another) exactly one claims it. An expired record is deleted and
 * an abandoned claim (past its lease) taken over, each with a condition that only one
 * request can meet.
 */
export async function claimIdempotencyKey (
  db: Kysely<DB>, id: IdempotencyKeyId, fingerprint: RequestFingerprint, now: Date, times: IdempotencyTimes
): Promise<ClaimOutcome> {
  const claimedAt = toStoredTimestamp(now)
  const expiresAt = toStoredTimestamp(new Date(now.getTime() + times.ttlMs))
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const inserted = await db.insertInto('idempotency_keys')
      .values({ ...atKey(id), fingerprint: fingerprint.canonical, status: null, headers: null, body: null, created_at: claimedAt, expires_at: expiresAt })
      .onConflict((conflict) => conflict.columns(['token_id', 'key']).doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { outcome: 'claimed', claimedAt }

    const row = await db.selectFrom('idempotency_keys')
      .select(['fingerprint', 'status', 'headers', 'body', 'created_at', 'expires_at', 'applied_at'])
      .where('token_id', '=', id.tokenId)
      .where('key', '=', id.key)
      .executeTakeFirst()
    // Released between the insert and the read: try again.
    if (row === undefined) continue
    const record = {
      fingerprint: row.fingerprint,
      status: row.status,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
      applied: row.applied_at !== null
    }
    switch (judgeRecord(record, fingerprint, now, times.leaseMs)) {
      case 'expired':
        await db.deleteFrom('idempotency_keys')
          .where('token_id', '=', id.tokenId)
          .where('key', '=', id.key)
          .where('expires_at', '<=', claimedAt)
          .execute()
        continue
      case 'mismatch':
        return { outcome: 'mismatch' }
      case 'replay':
        return {
          outcome: 'replay',
          answer: { status: row.status as number, headers: JSON.parse(row.headers ?? '{}') as Record<string, string>, body: row.body }
        }
      case 'abandoned': {
        const taken = await db.updateTable('idempotency_keys')
          .set({ created_at: claimedAt, expires_at: expiresAt })
          .where('token_id', '=', id.tokenId)
          .where('key', '=', id.key)
          .where('status', 'is', null)
          .where('applied_at', 'is', null)
          .where('created_at', '<=', toStoredTimestamp(new Date(now.getTime() - times.leaseMs)))
          .executeTakeFirst()
        if (Number(taken.numUpdatedRows) === 1) return { outcome: 'claimed', claimedAt }
        continue
      }
      case 'answer_lost':
        return { outcome: 'answer_lost' }
      case 'in_progress':
        return { outcome: 'in_progress' }
    }
  }
  return { outcome: 'in_progress' }
}

/**
 * Stores the answer of a claimed key, kept for `ttlMs` from now. Answers false when the
 * claim is no longer this request's: it outlived its lease and another request took over.
 */
export async function storeIdempotentAnswer (
  db: Kysely<DB>, id: IdempotencyKeyId, claimedAt: string, answer: StoredAnswer, now: Date, ttlMs: number
): Promise<boolean> {
  const result = await db.updateTable('idempotency_keys')
    .set({
      status: answer.status,
      headers: JSON.stringify(answer.headers),
      body: answer.body,
      expires_at: toStoredTimestamp(new Date(now.getTime() + ttlMs))
    })
    .where(isClaim(id, claimedAt))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * Records, in the transaction of the claiming request's writes, that they are applied: the
 * mark commits with them or not at all. False when the claim is no longer this request's
 * (it outlived its lease and another request took over): the writes must not commit then.
 */
export async function markIdempotentWrites (trx: Transaction<DB>, id: IdempotencyKeyId, claimedAt: string, now: Date): Promise<boolean> {
  const result = await trx.updateTable('idempotency_keys')
    .set({ applied_at: toStoredTimestamp(now) })
    .where(isClaim(id, claimedAt))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * Gives a claimed key up, so that a retry runs the request again; not once its writes are
 * applied (they would be applied twice): that claim stays, and a retry after its lease is
 * told the answer was lost.
 */
export async function releaseIdempotencyKey (db: Kysely<DB>, id: IdempotencyKeyId, claimedAt: string): Promise<void> {
  await db.deleteFrom('idempotency_keys')
    .where(isClaim(id, claimedAt))
    .where('applied_at', 'is', null)
    .execute()
}

/** Deletes at most `limit` expired records, oldest first; answers how many. */
export async function purgeExpiredIdempotencyKeys (db: Kysely<DB>, now: Date, limit: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys')
    .where(({ eb, refTuple, selectFrom }) => eb(refTuple('token_id', 'key'), 'in', selectFrom('idempotency_keys')
      .select(['token_id', 'key'])
      .where('expires_at', '<=', toStoredTimestamp(now))
      .orderBy('expires_at')
      .limit(limit)
      .$asTuple('token_id', 'key')))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
