import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import type { FastifyError } from 'fastify'
import type { ErrorObject } from 'ajv'
import { isUnavailable } from '../db/errors.js'
import { laravelErrorBag, summarizeErrors } from '../domain/validation-messages.js'
import { ServiceInUseError, ValidationFailedError } from '../http-errors.js'

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** The path as Laravel's `$request->path()` shows it in messages: decoded, no leading slash. */
function routePath (url: string): string {
  const path = url.split('?')[0] ?? ''
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    decoded = path
  }
  const trimmed = decoded.replace(/^\/+|\/+$/g, '')
  return trimmed === '' ? '/' : trimmed
}

/**
 * Answers every error with the contract's JSON: Laravel's 422 for validation, 404 and
 * 405 for routes, the message of any client error, 503 while the database cannot be
 * reached, and "Server Error" for the rest.
 */
export default fp(async (app) => {
  // A second router that knows every route's path, to tell "no such route" from "wrong method".
  const routes = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true })
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat().map((name) => name.toUpperCase() as HTTPMethod)) {
      if (!routes.hasRoute(method, route.url)) routes.on(method, route.url, () => {})
    }
  })

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = methods.filter((method) => routes.find(method, path) !== null)
    const route = routePath(request.url)
    if (allowed.length === 0) {
      return reply.code(404).send({ message: `The route ${route} could not be found.` })
    }
    reply.header('allow', allowed.join(', '))
    if (request.method === 'OPTIONS') return reply.code(204).send()
    return reply.code(405).send({
      message: `The ${request.method} method is not supported for route ${route}. Supported methods: ${allowed.join(', ')}.`
    })
  })

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation !== undefined) {
      const bag = laravelErrorBag(error.validation as ErrorObject[])
      if (bag[''] !== undefined) {
        return reply.code(400).send({ message: 'The request body must be a JSON object.' })
      }
      return reply.code(422).send({ message: summarizeErrors(bag), errors: bag })
    }
    if (error instanceof ValidationFailedError) {
      return reply.code(422).send({ message: error.message, errors: error.errors })
    }
    if (error instanceof ServiceInUseError) {
      return reply.code(409).send({ message: error.message, customers_count: error.customersCount })
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.code(400).send({ message: `The request body is not valid JSON: ${error.message}` })
    }
    if (isUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable')
      return reply.code(503).send({ message: 'Service Unavailable' })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ message: error.message })
    }
    request.log.error({ err: error }, 'request failed')
    const unavailable = status === 503
    return reply.code(unavailable ? 503 : 500).send({ message: unavailable ? 'Service Unavailable' : 'Server Error' })
  })
}, { name: 'errors' })
