import fp from 'fastify-plugin'
import { containsNul, MAX_JSON_DEPTH, nestingDepth } from '../lib/input-limits.js'
import { normalizeInput } from '../laravel/input.js'
import { parsePhpQuery } from '../laravel/php-query.js'
import { BadRequestError } from '../http-errors.js'

/**
 * Bodies as PHP clients send them: a JSON content type with no body at all is an
 * empty object, form bodies use PHP's bracket notation, and every body goes through
 * Laravel's trimming and empty-string-to-null before validation. Input no database
 * can store (NUL characters) or no client sends (absurd nesting) is refused up front.
 */
export default fp(async (app) => {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body)
    if (text.trim() === '') {
      done(null, {})
      return
    }
    parseJson(request, text, (error, parsed) => {
      if (error !== null) done(error)
      else if (nestingDepth(parsed) > MAX_JSON_DEPTH) done(new BadRequestError(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`))
      else done(null, parsed)
    })
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parsePhpQuery(String(body)))
  })

  app.addHook('preValidation', (request, _reply, done) => {
    if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body)) {
      return done(new BadRequestError('The request must not contain NUL characters.'))
    }
    request.body = request.body === undefined || request.body === null ? {} : normalizeInput(request.body)
    done()
  })
}, { name: 'request-input' })
