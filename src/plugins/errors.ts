import fp from 'fastify-plugin'
import FindMyWay from 'find-my-way'
import type { FastifyError } from 'fastify'
import type { ErrorObject } from 'ajv'
import { isUnavailable } from '../db/errors.js'
import { laravelErrorBag, summarizeErrors } from '../laravel/validation-messages.js'
import { ServiceInUseError, ValidationFailedError } from '../http-errors.js'
import { serverErrorMessage, unavailableMessage } from '../schemas/messages.js'

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

// Parameter names differ between routes of one shape (`:id`, `:customer`); only the shape counts.
const shapeOf = (url: string) => url.replace(/:[^/]+/g, ':param')

/** Whether two segments of route shapes can match one path segment. */
const overlaps = (one: string, other: string) => one === other || one.includes(':') || other.includes(':')

/**
 * Answers every error with the contract's JSON: Laravel's 422 for validation, 404 and
 * 405 for routes, the message of any client error, 503 while the database cannot be
 * reached, and "Server Error" for the rest.
 */
export default fp(async (app) => {
  /**
   * A second router, of paths whatever their method, to tell "no such route" from "wrong method".
   * A path belongs to the most specific pattern that matches it, and allows that pattern's
   * methods only: `/customers/1/services/history` is the history, whose methods are GET and
   * HEAD, even though PUT and DELETE of `/customers/{customer}/services/{key}` would match it.
   */
  const paths = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true })
  const methodsByShape = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    const shape = shapeOf(route.url)
    let shapeMethods = methodsByShape.get(shape)
    if (shapeMethods === undefined) {
      shapeMethods = new Set()
      methodsByShape.set(shape, shapeMethods)
      paths.on('GET', shape, () => {}, shapeMethods)
    }
    for (const method of [route.method].flat()) shapeMethods.add(method.toUpperCase())
  })
  const methodsAt = (url: string) => paths.find('GET', url.split('?')[0] ?? '/')?.store as ReadonlySet<string> | undefined

  /**
   * Whether a request that matched `route` by `method` may belong to another shape that lacks
   * `method`. Only a shape that could match the same paths can claim it: segment by segment equal,
   * or a parameter on either side (a wildcard shape, /docs' files, is taken as a possible match).
   * So most routes, GET of a service `{key}` included (its one rival, the history, answers GET),
   * skip the second lookup. Decided once per route and method, when every route is known.
   */
  const mayBeClaimedElsewhere = (route: string, method: string): boolean => {
    const segments = shapeOf(route).split('/')
    for (const [shape, shapeMethods] of methodsByShape) {
      if (shapeMethods.has(method)) continue
      const other = shape.split('/')
      if (shape.includes('*') || route.includes('*')) return true
      if (other.length === segments.length && other.every((segment, index) => overlaps(segment, segments[index] as string))) return true
    }
    return false
  }
  const needsPathCheck = new Map<string, boolean>()

  // Fastify's router matches by method first: a request for a method the path's own pattern lacks
  // may have matched a less specific one (PUT `/customers/1/services/history`, the `{key}` route).
  // OPTIONS is answered alike on every path (a CORS preflight, or the 204 with `Allow`).
  app.addHook('onRequest', (request, reply, done) => {
    if (request.is404 || request.method === 'OPTIONS') return done()
    const route = request.routeOptions.url ?? ''
    const key = `${request.method} ${route}`
    let check = needsPathCheck.get(key)
    if (check === undefined) needsPathCheck.set(key, check = mayBeClaimedElsewhere(route, request.method))
    const allowed = check ? methodsAt(request.url) : undefined
    if (allowed === undefined || allowed.has(request.method)) return done()
    reply.callNotFound()
  })

  app.setNotFoundHandler(async (request, reply) => {
    const allowedAtPath = methodsAt(request.url) ?? new Set()
    const allowed = methods.filter((method) => allowedAtPath.has(method))
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
      return reply.code(503).send({ message: unavailableMessage })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ message: error.message })
    }
    request.log.error({ err: error }, 'request failed')
    const unavailable = status === 503
    return reply.code(unavailable ? 503 : 500).send({ message: unavailable ? unavailableMessage : serverErrorMessage })
  })
}, { name: 'errors' })
