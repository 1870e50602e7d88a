/**
 * The rules of `Idempotency-Key`, as Stripe and the IETF httpapi draft apply them: the first
 * final answer to a request is kept, and a retry of that request gets it again.
 */

/** How long an answer is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

/**
 * How long a claim protects a request still being answered. A claim older than this was left
 * by a process that died or lost the database before it could answer: the key is free again.
 * Requests here take milliseconds, and a request's body must arrive within REQUEST_TIMEOUT.
 */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000

/**
 * Final answers are kept: successes, and client errors, which the same request would get
 * again. A server error, an outage (503), a rate limit (429) or a timeout (408) is not: the
 * retry runs again.
 */
export function isStorableStatus (status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 408 && status !== 429)
}

/** The headers of an answer that belong to it, and are replayed with it; the others are the replay's own. */
export const replayedHeaderNames = ['content-type', 'location', 'etag'] as const

export function headersToReplay (headers: Readonly<Record<string, unknown>>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const name of replayedHeaderNames) {
    const value = headers[name]
    if (typeof value === 'string' || typeof value === 'number') kept[name] = String(value)
  }
  return kept
}

export interface IdempotencyRecord {
  readonly fingerprint: string
  /** Null while the request that claimed the key is being answered. */
  readonly status: number | null
  readonly createdAt: Date
  readonly expiresAt: Date
  /** Whether the claiming request's writes committed. */
  readonly applied: boolean
}

/**
 * What a request finds when its key is already recorded:
 * - `expired`: the record is past its 24 hours and counts as absent;
 * - `mismatch`: the key was used for another request (method, URL or body);
 * - `replay`: the stored answer is the answer;
 * - `abandoned`: a claim past its lease, whose request will never be answered and wrote nothing;
 * - `answer_lost`: a claim past its lease whose request's writes committed, but whose answer
 *   was never stored (its process died in between): running it again would apply it twice;
 * - `in_progress`: the same request is being answered right now.
 */
export type RecordState = 'expired' | 'mismatch' | 'replay' | 'abandoned' | 'answer_lost' | 'in_progress'

export function judgeRecord (record: IdempotencyRecord, fingerprint: string, now: Date, leaseMs = IDEMPOTENCY_LEASE_MS): RecordState {
  if (record.expiresAt.getTime() <= now.getTime()) return 'expired'
  if (record.fingerprint !== fingerprint) return 'mismatch'
  if (record.status !== null) return 'replay'
  if (now.getTime() - record.createdAt.getTime() < leaseMs) return 'in_progress'
  return record.applied ? 'answer_lost' : 'abandoned'
}
