import type { PivotAttributes } from '../domain/assignment-diff.js'
import { readId, readIdList, type GivenId } from './id-input.js'

export interface SyncRequest {
  /** Each requested service with the pivot attributes given for it. */
  readonly desired: ReadonlyMap<number, PivotAttributes>
  /** Every id given, in the order given, named by its field (`services.2`, or `services.3` in the keyed form). */
  readonly given: readonly GivenId[]
}

/**
 * Reads both body forms of the sync: a list of ids, or ids as keys of their pivot
 * attributes (Laravel's `sync([1 => [], 3 => ['version' => '1.1.0']])`). Ids and keys are
 * read alike (`readId`); one that is not an integer is in `given` but not in `desired`.
 * A repeated id counts once. Anything else than a list or an object gives nothing.
 */
export function readSyncRequest (services: unknown): SyncRequest {
  const desired = new Map<number, PivotAttributes>()
  if (Array.isArray(services)) {
    const given = readIdList('services', services)
    for (const { id } of given) if (id !== undefined) desired.set(id, {})
    return { desired, given }
  }
  if (services === null || typeof services !== 'object') return { desired, given: [] }

  const given: GivenId[] = []
  for (const [key, attributes] of Object.entries(services)) {
    const id = readId(key)
    given.push({ field: `services.${key}`, id })
    if (id !== undefined) desired.set(id, pivotAttributesOf(attributes))
  }
  return { desired, given }
}

function pivotAttributesOf (attributes: unknown): PivotAttributes {
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) return {}
  const { version } = attributes as PivotAttributes
  return version === undefined ? {} : { version }
}
