import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import FindMyWay, { type HTTPMethod } from 'find-my-way'

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>
}

type Spec = { paths: Record<string, Record<string, Operation>> }

/** The spec itself and its rendering are served beside the API, not part of it. */
const documentationPath = /^\/(openapi\.(json|yaml)|docs)([/?]|$)/

const pointer = (...segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')

/**
 * Checks an answer against the app's own OpenAPI document: its status must be one
 * the operation lists, and a JSON body must match that status's schema. Answers of
 * paths the spec does not have (404, 405) must match the shared error schema.
 */
export function createSpecChecker (spec: Spec) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(spec, 'openapi')

  const operations = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true })
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const method of Object.keys(methods)) {
      operations.on(method.toUpperCase() as HTTPMethod, path.replace(/\{(\w+)\}/g, ':$1'), () => {}, { path, method })
    }
  }

  return (method: string, url: string, response: LightMyRequestResponse) => {
    const status = String(response.statusCode)
    const isJson = /^application\/json/.test(String(response.headers['content-type'] ?? ''))
    const found = operations.find(method.toUpperCase() as HTTPMethod, url.split('?')[0] ?? '/')
    let schemaRef: string
    if (found === null) {
      if (method.toUpperCase() === 'HEAD' || !isJson || documentationPath.test(url)) return
      if (response.statusCode < 400) throw new Error(`${method} ${url} answered ${status} but the spec has no such operation`)
      schemaRef = 'openapi#/components/schemas/ErrorBody'
    } else {
      const { path, method: specMethod } = found.store as { path: string, method: string }
      const declared = spec.paths[path]?.[specMethod]?.responses ?? {}
      if (declared[status] === undefined) {
        throw new Error(`${method} ${path} answered ${status}, a status its spec does not list (${Object.keys(declared).join(', ')}): ${response.body}`)
      }
      if (!isJson) {
        if (response.body !== '' && declared[status].content !== undefined) throw new Error(`${method} ${path} ${status}: not JSON`)
        return
      }
      schemaRef = `openapi#/${pointer('paths', path, specMethod, 'responses', status, 'content', 'application/json', 'schema')}`
    }
    const validate = ajv.getSchema(schemaRef)
    if (validate === undefined) throw new Error(`no schema at ${schemaRef}`)
    if (!validate(response.json())) {
      throw new Error(`${method} ${url} ${status} does not match the spec: ${ajv.errorsText(validate.errors)}\n${response.body.slice(0, 500)}`)
    }
  }
}

/** Makes every `inject` on the app check its answer against the app's spec. */
export function checkAnswersAgainstSpec (app: FastifyInstance): void {
  const check = createSpecChecker(app.swagger() as unknown as Spec)
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<LightMyRequestResponse>
  const checked = async (options: InjectOptions | string) => {
    const request = typeof options === 'string' ? { url: options } : options
    const response = await inject(request)
    // The URL the app saw: the client resolves dot segments (`/customers/.`) before sending.
    check(String(request.method ?? 'GET'), response.raw.req.url ?? '/', response)
    return response
  }
  Object.assign(app, { inject: checked })
}
