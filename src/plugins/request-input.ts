import fp from 'fastify-plugin'
import { normalizeInput } from '../domain/laravel-input.js'
import { parsePhpQuery } from '../domain/php-query.js'

/**
 * Bodies as PHP clients send them: a JSON content type with no body at all is an
 * empty object, form bodies use PHP's bracket notation, and every body goes through
 * Laravel's trimming and empty-string-to-null before validation.
 */
export default fp(async (app) => {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body)
    if (text.trim() === '') {
      done(null, {})
      return
    }
    parseJson(request, text, done)
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parsePhpQuery(String(body)))
  })

  app.addHook('preValidation', async (request) => {
    request.body = request.body === undefined || request.body === null ? {} : normalizeInput(request.body)
  })
}, { name: 'request-input' })
