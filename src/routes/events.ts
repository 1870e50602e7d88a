import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { newestEventId, readEvents } from '../db/queries/events.js'
import { ValidationFailedError } from '../http-errors.js'
import { errorResponses } from '../schemas/common.js'
import { ChangeEvent, DEFAULT_EVENT_LIMIT, EventPage, EventsQuerystring, unissuedCursorMessage } from '../schemas/event.js'
import { v1Read } from '../schemas/operations.js'

/** What a parameter given as a list is told: the type its schema has. */
const listRefusals = { after: 'The after field must be a string.', limit: 'The limit field must be an integer.' } as const

/**
 * An empty value means none, as for every parameter. A list (`after[]=5`) is refused rather
 * than read as its one value, as the parameters' type coercion would: a cursor or a limit the
 * client did not mean must not skip events silently.
 */
async function normalizeQuery (request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>
  for (const [name, message] of Object.entries(listRefusals)) {
    const value = query[name]
    if (value === null || (typeof value === 'string' && value.trim() === '')) delete query[name]
    else if (typeof value === 'object') throw new ValidationFailedError({ [name]: [message] })
  }
}

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: v1Read({
      tags: ['Change events'],
      operationId: 'listChangeEvents',
      summary: 'Follow changes',
      description: 'The outbox of every committed change, in commit order: assignments (as the history records them), ' +
        'customers and catalog entries created, updated or deleted. Loop on `next_cursor`: an event is here once its ' +
        'change committed and never before, and no event ever appears behind a cursor already passed. Delivery is ' +
        'at least once (a consumer that loses its cursor reads events again): use the event id to deduplicate.',
      querystring: EventsQuerystring,
      response: { 200: EventPage, ...errorResponses(400, 401, 422) }
    }),
    preValidation: normalizeQuery
  }, async (request) => {
    const after = request.query.after ?? '0'
    const events = await readEvents(app.db, Number(after), request.query.limit ?? DEFAULT_EVENT_LIMIT)
    if (events.length === 0 && after !== '0') {
      const newest = await newestEventId(app.db)
      if (Number(after) > newest) throw new ValidationFailedError({ after: [unissuedCursorMessage(newest)] })
    }
    // The payloads were written by this service in these shapes; the schema documents them.
    return { data: events as Array<Static<typeof ChangeEvent>>, next_cursor: events.at(-1)?.id ?? after }
  })
}

export default eventRoutes
