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

/**
 * A value as JSON with every object's keys sorted, recursively: two bodies that parse to the
 * same parameters, whatever their whitespace or key order, give the same text. Array order
 * is kept: it is part of the request.
 */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * What identifies a request, as SHA-256 digests in hex: `canonical`, of its method, path, parsed
 * query and parsed body, is what a new record holds; `asSent`, of its method, URL and body byte
 * for byte, is what records written before requests were compared by their parameters hold, and
 * a retry must still match them (they are all gone 24 hours after the upgrade). The two are
 * digests of texts that never coincide, so neither can match a record of the other kind.
 */
export interface RequestFingerprint {
  readonly canonical: string
  readonly asSent: string
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
 * - `mismatch`: the key was used for another request (method, path, query or body);
 * - `replay`: the stored answer is the answer;
 * - `abandoned`: a claim past its lease, whose request will never be answered and wrote nothing;
 * - `answer_lost`: a claim past its lease whose request's writes committed, but whose answer
 *   was never stored (its process died in between): running it again would apply it twice;
 * - `in_progress`: the same request is being answered right now.
 */
export type RecordState = 'expired' | 'mismatch' | 'replay' | 'abandoned' | 'answer_lost' | 'in_progress'

export function judgeRecord (record: IdempotencyRecord, fingerprint: RequestFingerprint, now: Date, leaseMs = IDEMPOTENCY_LEASE_MS): RecordState {
  if (record.expiresAt.getTime() <= now.getTime()) return 'expired'
  if (record.fingerprint !== fingerprint.canonical && record.fingerprint !== fingerprint.asSent) return 'mismatch'
  if (record.status !== null) return 'replay'
  if (now.getTime() - record.createdAt.getTime() < leaseMs) return 'in_progress'
  return record.applied ? 'answer_lost' : 'abandoned'
}
