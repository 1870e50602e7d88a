/**
 * Laravel's LengthAwarePaginator, as `toArray()` writes it: the same keys in the
 * same order, the same `links` window (UrlWindow with three pages either side).
 */
export interface PageLink {
  url: string | null
  label: string
  active: boolean
}

export interface PageEnvelope<Item> {
  current_page: number
  data: Item[]
  first_page_url: string
  from: number | null
  last_page: number
  last_page_url: string
  links: PageLink[]
  next_page_url: string | null
  path: string
  per_page: number
  prev_page_url: string | null
  to: number | null
  total: number
}

export interface PageRequest {
  /** Absolute URL of the list without its query string. */
  readonly path: string
  /** The request's other query parameters, already encoded, without `page` (empty when none). */
  readonly query: string
  readonly page: number
  readonly perPage: number
}

const ON_EACH_SIDE = 3

export function offsetOf (page: number, perPage: number): number {
  return Math.min((page - 1) * perPage, Number.MAX_SAFE_INTEGER)
}

export function buildPage<Item> (items: Item[], total: number, request: PageRequest): PageEnvelope<Item> {
  const { page, perPage } = request
  const lastPage = Math.max(Math.ceil(total / perPage), 1)
  const url = (target: number) => {
    const separator = request.query === '' ? '' : '&'
    return `${request.path}?${request.query}${separator}page=${Math.max(target, 1)}`
  }
  const from = items.length > 0 ? offsetOf(page, perPage) + 1 : null
  const to = from === null ? null : from + items.length - 1

  const links: PageLink[] = [{ url: page > 1 ? url(page - 1) : null, label: '&laquo; Previous', active: false }]
  for (const element of linkElements(page, lastPage)) {
    links.push(element === '...'
      ? { url: null, label: '...', active: false }
      : { url: url(element), label: String(element), active: element === page })
  }
  links.push({ url: lastPage > page ? url(page + 1) : null, label: 'Next &raquo;', active: false })

  return {
    current_page: page,
    data: items,
    first_page_url: url(1),
    from,
    last_page: lastPage,
    last_page_url: url(lastPage),
    links,
    next_page_url: lastPage > page ? url(page + 1) : null,
    path: request.path,
    per_page: perPage,
    prev_page_url: page > 1 ? url(page - 1) : null,
    to,
    total
  }
}

/** Laravel's UrlWindow: page numbers, with '...' between separated groups. */
export function linkElements (page: number, lastPage: number): Array<number | '...'> {
  const range = (start: number, end: number) =>
    Array.from({ length: Math.max(end - start + 1, 0) }, (_, index) => start + index)

  if (lastPage < ON_EACH_SIDE * 2 + 8) return range(1, lastPage)

  const window = ON_EACH_SIDE + 4
  const start = range(1, 2)
  const finish = range(lastPage - 1, lastPage)
  if (page <= window) return [...range(1, window + ON_EACH_SIDE), '...', ...finish]
  if (page > lastPage - window) {
    return [...start, '...', ...range(lastPage - (window + (ON_EACH_SIDE - 1)), lastPage)]
  }
  return [...start, '...', ...range(page - ON_EACH_SIDE, page + ON_EACH_SIDE), '...', ...finish]
}
