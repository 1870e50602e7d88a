/**
 * The data sets of the benchmark, generated from a fixed seed: the same rows on every
 * run and on both databases, so the runner knows every assignment without asking.
 */
export type DatasetName = 'small' | 'large'

export interface DatasetSpec {
  readonly name: DatasetName
  readonly customers: number
  /** Regular catalog entries; each customer has `perCustomer` of them, drawn at random. */
  readonly services: number
  readonly perCustomer: number
  /** A service every customer has (large only). */
  readonly popular: boolean
}

export const datasetSpecs: Readonly<Record<DatasetName, DatasetSpec>> = {
  small: { name: 'small', customers: 1_000, services: 50, perCustomer: 5, popular: false },
  large: { name: 'large', customers: 200_000, services: 1_000, perCustomer: 5, popular: true }
}

/** Customers that have the rare service: the "show of a service with few customers" scenario. */
const RARE_CUSTOMERS = [1, 2, 3]

export interface ServiceRow {
  id: number
  key: string
  name: string
  description: string | null
  canBeEnabled: boolean
  createdAt: string
}

export interface CustomerRow {
  id: number
  name: string
  createdAt: string
}

export interface Dataset {
  readonly spec: DatasetSpec
  readonly services: ServiceRow[]
  /** Ids of the services a sync may pick: the regular ones. */
  readonly regularServiceIds: number[]
  readonly popularServiceId: number | undefined
  readonly rareServiceId: number
  readonly customerCount: number
  /** Customer `c` (1-based) has the services `assignments[offsets[c - 1] .. offsets[c])`, ascending. */
  readonly assignments: Int32Array
  readonly offsets: Int32Array
  /** Pivot rows per service id (index = id). */
  readonly counts: Int32Array
}

/** mulberry32: small, fast and good enough to spread assignments. */
export function randomSource (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const EPOCH = Date.parse('2024-01-01T00:00:00.000Z')
const adjectives = ['Blue', 'Rapid', 'Northern', 'Global', 'Urban', 'Bright', 'Silver', 'Coastal', 'Prime', 'Alpine']
const nouns = ['Telecom', 'Networks', 'Logistics', 'Bakery', 'Studios', 'Consulting', 'Hosting', 'Pharma', 'Motors', 'Foods']

export function timestampAt (minutes: number): string {
  return new Date(EPOCH + minutes * 60_000).toISOString()
}

export function customerName (id: number): string {
  return `${adjectives[id % adjectives.length] as string} ${nouns[Math.floor(id / 10) % nouns.length] as string} ${id}`
}

function catalog (spec: DatasetSpec) {
  const services: ServiceRow[] = []
  for (let id = 1; id <= spec.services; id++) {
    const number = String(id).padStart(4, '0')
    services.push({
      id,
      key: `service-${number}`,
      name: `Service ${number}`,
      description: id % 3 === 0 ? null : `Optional service number ${id}`,
      canBeEnabled: id % 2 === 0,
      createdAt: timestampAt(id)
    })
  }
  const extra = (key: string, name: string): number => {
    const id = services.length + 1
    services.push({ id, key, name, description: null, canBeEnabled: false, createdAt: timestampAt(id) })
    return id
  }
  const popularServiceId = spec.popular ? extra('popular', 'Popular service') : undefined
  const rareServiceId = extra('rare', 'Rare service')
  return { services, popularServiceId, rareServiceId }
}

export function generateDataset (spec: DatasetSpec): Dataset {
  const random = randomSource(0xC0FFEE + spec.customers)
  const { services, popularServiceId, rareServiceId } = catalog(spec)
  const offsets = new Int32Array(spec.customers + 1)
  const assignments = new Int32Array(spec.customers * (spec.perCustomer + 2))
  const counts = new Int32Array(services.length + 1)
  const chosen: number[] = []
  let next = 0
  for (let customer = 1; customer <= spec.customers; customer++) {
    chosen.length = 0
    while (chosen.length < spec.perCustomer) {
      const id = 1 + Math.floor(random() * spec.services)
      if (!chosen.includes(id)) chosen.push(id)
    }
    if (popularServiceId !== undefined) chosen.push(popularServiceId)
    if (RARE_CUSTOMERS.includes(customer)) chosen.push(rareServiceId)
    chosen.sort((a, b) => a - b)
    for (const id of chosen) {
      assignments[next++] = id
      counts[id] = (counts[id] as number) + 1
    }
    offsets[customer] = next
  }
  return {
    spec,
    services,
    regularServiceIds: Array.from({ length: spec.services }, (_, index) => index + 1),
    popularServiceId,
    rareServiceId,
    customerCount: spec.customers,
    assignments: assignments.subarray(0, next),
    offsets,
    counts
  }
}

export function servicesOfCustomer (dataset: Dataset, customerId: number): Int32Array {
  return dataset.assignments.subarray(dataset.offsets[customerId - 1], dataset.offsets[customerId])
}

/** The most assigned service: the one every customer has, on the large set. */
export function mostAssignedService (dataset: Dataset): number {
  let best = 1
  for (let id = 1; id < dataset.counts.length; id++) if ((dataset.counts[id] as number) > (dataset.counts[best] as number)) best = id
  return best
}
