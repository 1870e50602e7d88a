/**
 * The benchmark drives the built service (`dist/`), as production runs it; the types
 * come from the sources it was built from (`npm run bench` builds first).
 */
import type * as DatabaseModule from '../src/db/database.js'
import type * as MigratorModule from '../src/db/migrator.js'
import type * as AssignmentsModule from '../src/db/queries/assignments.js'
import type * as CustomerServicesModule from '../src/db/queries/customer-services.js'
import type * as CustomersModule from '../src/db/queries/customers.js'
import type * as TokensModule from '../src/db/queries/tokens.js'
import type * as UsersModule from '../src/db/queries/users.js'
import type * as PasswordsModule from '../src/security/passwords.js'

export const distRoot = new URL('../dist/', import.meta.url)
export const projectRoot = new URL('../', import.meta.url)

async function importDist<Module> (path: string): Promise<Module> {
  return await import(new URL(path, distRoot).href) as Module
}

export const loadDatabase = () => importDist<typeof DatabaseModule>('db/database.js')
export const loadMigrator = () => importDist<typeof MigratorModule>('db/migrator.js')
export const loadUsers = () => importDist<typeof UsersModule>('db/queries/users.js')
export const loadPasswords = () => importDist<typeof PasswordsModule>('security/passwords.js')
export const loadAssignments = () => importDist<typeof AssignmentsModule>('db/queries/assignments.js')
export const loadCustomerServices = () => importDist<typeof CustomerServicesModule>('db/queries/customer-services.js')
export const loadCustomers = () => importDist<typeof CustomersModule>('db/queries/customers.js')
export const loadTokens = () => importDist<typeof TokensModule>('db/queries/tokens.js')
