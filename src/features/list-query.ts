import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { InvalidListQueryError, parseListQuery, type ListQuery, type ListSpec } from '../laravel/list-query.js'
import { buildPage, type PageEnvelope } from '../laravel/paginator.js'
import { buildPhpQuery } from '../laravel/php-query.js'
import { InvalidQueryError } from '../http-errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    listQuery: (spec: ListSpec<string, string>) => (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    list: ListQuery<string, string> | null
    pageQuery: string
    paginate: <Item>(items: Item[], total: number) => PageEnvelope<Item>
  }
}

/**
 * Lists read `filter`, `sort`, `page` and `per_page` the Laravel way: unknown filter
 * or sort names are a 400, invalid page sizes fall back to defaults. The hook runs
 * after route-model binding, so a missing record is still a 404 first.
 */
export default fp(async (app) => {
  app.decorateRequest('list', null)
  app.decorateRequest('pageQuery', '')
  app.decorateRequest('paginate', function <Item>(this: FastifyRequest, items: Item[], total: number): PageEnvelope<Item> {
    const list = this.list
    if (list === null) throw new Error('paginate() needs a list route')
    const pathname = (this.url.split('?')[0] ?? '/').replace(/\/+$/, '')
    return buildPage(items, total, {
      path: `${this.protocol}://${this.host}${pathname}`,
      query: this.pageQuery,
      page: list.page,
      perPage: list.perPage
    })
  })

  app.decorate('listQuery', (spec: ListSpec<string, string>) => async (request: FastifyRequest) => {
    const query = request.query as Record<string, unknown>
    let list: ListQuery<string, string>
    try {
      list = parseListQuery(query, spec)
    } catch (error) {
      if (error instanceof InvalidListQueryError) throw new InvalidQueryError(error.message)
      throw error
    }
    request.list = list
    const { page: _page, ...others } = query
    request.pageQuery = buildPhpQuery(others)
    // The documented form of the query, which the route's schema then confirms.
    request.query = {
      filter: Object.fromEntries(list.filters.map(({ field, values }) => [field, values.join(',')])),
      ...(query.sort !== undefined && { sort: list.sorts.map(({ field, direction }) => `${direction === 'desc' ? '-' : ''}${field}`).join(',') }),
      page: list.page,
      per_page: list.perPage
    }
  })
}, { name: 'list-query' })
