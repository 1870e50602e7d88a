import { expressionBuilder, type Expression } from 'kysely'
import { idFromPath } from '../../domain/ids.js'
import type { Value } from '../compiled-once.js'
import type { DB } from '../tables.js'

/**
 * The one rule for the `{key}` of `/customers/{customer}/services/{key}` (the check, PUT and
 * DELETE alike): a service's key or its id. A value of digits only is an id first; a key
 * made only of digits (keys may be) is reached when no service has that number as its id.
 * The answer is the service's id as a SQL expression (null when the value names none), so the
 * check can stay one statement. Its arguments are `referenceValues` of the path's value.
 */
export function referencedServiceId (id: Value, key: Value): Expression<number | null> {
  const eb = expressionBuilder<DB>()
  return eb.fn.coalesce(
    eb.selectFrom('customer_services').select('customer_services.id').where('customer_services.id', '=', id as number),
    eb.selectFrom('customer_services').select('customer_services.id').where('customer_services.key', '=', key as string)
  )
}

/** The values `referencedServiceId` takes for a path's value: one that cannot be an id looks up id 0, which no row has. */
export function referenceValues (raw: string): [id: number, key: string] {
  return [idFromPath(raw) ?? 0, raw]
}
