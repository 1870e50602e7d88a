import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { readEvents } from '../db/queries/events.js'
import { errorResponses } from '../schemas/common.js'
import { ChangeEvent, DEFAULT_EVENT_LIMIT, EventPage, EventsQuerystring, MAX_EVENT_LIMIT } from '../schemas/event.js'

/**
 * An empty value means none, as for every parameter; `limit` reads as `per_page` does: a value
 * that is not a positive integer means the default, a larger one is capped.
 */
async function normalizeQuery (request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>
  if (query.after === null || (typeof query.after === 'string' && query.after.trim() === '')) delete query.after
  if (query.limit === undefined) return
  const text = typeof query.limit === 'string' ? query.limit.trim() : ''
  const limit = /^\+?[0-9]+$/.test(text) ? Number(text) : 0
  query.limit = limit >= 1 ? Math.min(limit, MAX_EVENT_LIMIT) : DEFAULT_EVENT_LIMIT
}

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['Change events'],
      operationId: 'listChangeEvents',
      summary: 'Follow changes',
      description: 'The outbox of every committed change, in commit order: assignments (as the history records them), ' +
        'customers and catalog entries created, updated or deleted. Loop on `next_cursor`: an event is here once its ' +
        'change committed and never before, and no event ever appears behind a cursor already passed. Delivery is ' +
        'at least once (a consumer that loses its cursor reads events again): use the event id to deduplicate.',
      querystring: EventsQuerystring,
      response: { 200: EventPage, ...errorResponses(400, 401, 422) }
    },
    preValidation: normalizeQuery
  }, async (request) => {
    const after = request.query.after ?? '0'
    const events = await readEvents(app.db, app.dialect, Number(after), request.query.limit ?? DEFAULT_EVENT_LIMIT)
    // The payloads were written by this service in these shapes; the schema documents them.
    return { data: events as Array<Static<typeof ChangeEvent>>, next_cursor: events.at(-1)?.id ?? after }
  })
}

export default eventRoutes
