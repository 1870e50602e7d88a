import { idFromPath } from './ids.js'

/** What a token may do: everything, or its own customer's self-service. */
export type Access =
  | { readonly kind: 'admin' }
  | { readonly kind: 'customer', readonly customerId: number }

/**
 * What a route lets a customer token do; every route without one is for admin tokens
 * only, so a route nobody thought about is never opened to customers.
 * - `customer-read`: read its own customer (the `{customer}` of the path).
 * - `customer-toggle`: enable or disable, on its own customer, a service that has
 *   `can_be_enabled`; the route checks the service.
 */
export type AccessRule = 'customer-read' | 'customer-toggle'

export const adminAccess: Access = Object.freeze({ kind: 'admin' })

export function accessOf (customerId: number | null): Access {
  return customerId === null ? adminAccess : Object.freeze({ kind: 'customer', customerId })
}

/** The abilities as the API shows them, Sanctum style. */
export function abilitiesOf (access: Access): string[] {
  return access.kind === 'admin' ? ['admin'] : [`customer:${access.customerId}`]
}

/**
 * Whether a customer token may use a route with this rule for the path's `{customer}`
 * (as sent: it is checked before the path is validated). Any other customer, existing
 * or not, is refused alike: the answer says nothing about which customers exist.
 */
export function customerMayUse (customerId: number, rule: AccessRule | undefined, pathCustomer: unknown): boolean {
  return rule !== undefined && idFromPath(pathCustomer) === customerId
}
