/**
 * The list conventions of spatie/laravel-query-builder and Laravel's paginator:
 * `filter[name]=a,b`, `sort=-created_at,name`, `page`, `per_page`.
 */
export interface ListSpec<Filter extends string, Sort extends string> {
  readonly filters: readonly Filter[]
  readonly sorts: readonly Sort[]
  /** The order without `sort` (or with an empty one); by default, by id ascending. */
  readonly defaultSorts?: ReadonlyArray<SortTerm<Sort>>
}

export interface SortTerm<Sort extends string> {
  readonly field: Sort | 'id'
  readonly direction: 'asc' | 'desc'
}

export interface ListQuery<Filter extends string, Sort extends string> {
  /** Each filter's accepted values; a row matches a filter when any value matches. */
  readonly filters: ReadonlyArray<{ readonly field: Filter, readonly values: readonly string[] }>
  /** Always ends with `id`, so that equal values never make pages overlap. */
  readonly sorts: ReadonlyArray<SortTerm<Sort>>
  readonly page: number
  readonly perPage: number
}

export const DEFAULT_PER_PAGE = 10
export const MAX_PER_PAGE = 100

export class InvalidListQueryError extends Error {}

export function parseListQuery<Filter extends string, Sort extends string> (
  query: Record<string, unknown>,
  spec: ListSpec<Filter, Sort>
): ListQuery<Filter, Sort> {
  return {
    filters: parseFilters(query.filter, spec.filters),
    sorts: parseSorts(query.sort, spec.sorts, spec.defaultSorts),
    page: parsePage(query.page),
    perPage: parsePerPage(query.per_page)
  }
}

function parseFilters<Filter extends string> (raw: unknown, allowed: readonly Filter[]) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return []
  const requested = Object.keys(raw)
  const unknown = requested.filter((name) => !allowed.includes(name as Filter))
  if (unknown.length > 0) {
    throw new InvalidListQueryError(
      `Requested filter(s) \`${unknown.join(', ')}\` are not allowed. Allowed filter(s) are \`${allowed.join(', ')}\`.`
    )
  }
  const filters: Array<{ field: Filter, values: string[] }> = []
  for (const [field, value] of Object.entries(raw)) {
    const values = splitValues(value)
    if (values.length > 0) filters.push({ field: field as Filter, values })
  }
  return filters
}

function parseSorts<Sort extends string> (raw: unknown, allowed: readonly Sort[], fallback?: ReadonlyArray<SortTerm<Sort>>): Array<SortTerm<Sort>> {
  const requested = splitValues(raw)
  if (requested.length === 0 && fallback !== undefined) return [...fallback]
  const unknown = requested
    .map((term) => term.replace(/^-/, ''))
    .filter((name) => !allowed.includes(name as Sort))
  if (unknown.length > 0) {
    throw new InvalidListQueryError(
      `Requested sort(s) \`${unknown.join(', ')}\` is not allowed. Allowed sort(s) are \`${allowed.join(', ')}\`.`
    )
  }
  const terms: Array<SortTerm<Sort>> = []
  const seen = new Set<string>()
  for (const term of requested) {
    const field = term.replace(/^-/, '') as Sort
    if (seen.has(field)) continue
    seen.add(field)
    terms.push({ field, direction: term.startsWith('-') ? 'desc' : 'asc' })
  }
  if (!seen.has('id')) terms.push({ field: 'id', direction: 'asc' })
  return terms
}

/**
 * A comma splits values; values are trimmed and empty ones dropped. Lists may nest (PHP
 * arrays), and may come keyed: `filter[name][5]=a`, or more than 100 `filter[name][]=`,
 * which the query parser then keeps as a map of indexes, as PHP keeps any array.
 */
function splitValues (value: unknown): string[] {
  if (typeof value === 'string') {
    return value.split(',').map((part) => part.trim()).filter((part) => part !== '')
  }
  if (typeof value === 'number') return [String(value)]
  if (Array.isArray(value)) return value.flatMap(splitValues)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(splitValues)
  return []
}

/** Laravel: `filter_var($page, FILTER_VALIDATE_INT)` and at least 1, otherwise page 1. */
function parsePage (raw: unknown): number {
  const page = parsePositiveInteger(raw)
  return page ?? 1
}

function parsePerPage (raw: unknown): number {
  const perPage = parsePositiveInteger(raw)
  if (perPage === undefined) return DEFAULT_PER_PAGE
  return Math.min(perPage, MAX_PER_PAGE)
}

function parsePositiveInteger (raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw
  if (typeof text !== 'string' || !/^\+?\d+$/.test(text.trim())) return undefined
  const value = Number(text.trim())
  if (!Number.isSafeInteger(value) || value < 1) return undefined
  return value
}
