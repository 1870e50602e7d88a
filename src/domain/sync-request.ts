import type { PivotAttributes } from './assignment-diff.js'
import type { ErrorBag } from './validation-messages.js'

export type SyncServices =
  | readonly number[]
  | Readonly<Record<string, { version?: string | null } | readonly unknown[]>>

export interface SyncRequest {
  /** Each requested service with the pivot attributes given for it. */
  readonly desired: ReadonlyMap<number, PivotAttributes>
  /** The input field each id came from (`services.2`), for error messages. */
  readonly fieldOf: ReadonlyMap<number, string>
  readonly errors: ErrorBag
}

const integerKey = /^-?(0|[1-9][0-9]*)$/

/**
 * Reads both body forms of the sync: a list of ids, or ids as keys of their pivot
 * attributes (Laravel's `sync([1 => [], 3 => ['version' => '1.1.0']])`).
 * A repeated id counts once.
 */
export function readSyncRequest (services: SyncServices): SyncRequest {
  const desired = new Map<number, PivotAttributes>()
  const fieldOf = new Map<number, string>()
  const errors: ErrorBag = {}

  const add = (id: number, field: string, attributes: PivotAttributes) => {
    if (!fieldOf.has(id)) fieldOf.set(id, field)
    desired.set(id, attributes)
  }

  if (Array.isArray(services)) {
    services.forEach((id: number, index: number) => add(id, `services.${index}`, {}))
  } else {
    for (const [key, attributes] of Object.entries(services)) {
      const field = `services.${key}`
      if (!integerKey.test(key)) {
        errors[field] = [`The ${field} field must be an integer.`]
        continue
      }
      const given = Array.isArray(attributes) ? {} : attributes as { version?: string | null }
      add(Number(key), field, given.version === undefined ? {} : { version: given.version })
    }
  }
  return { desired, fieldOf, errors }
}

export function unknownServiceErrors (ids: readonly number[], fieldOf: ReadonlyMap<number, string>): ErrorBag {
  const errors: ErrorBag = {}
  for (const id of ids) {
    const field = fieldOf.get(id) ?? `services.${id}`
    errors[field] = [`The selected ${field} is invalid.`]
  }
  return errors
}
