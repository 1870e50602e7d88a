import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import FindMyWay from 'find-my-way'

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

  // Paths as the app resolves them, whatever the method: a URL belongs to the most specific path
  // that matches it, and has only that path's operations (PUT `/customers/1/services/history` is not
  // the `{key}` operation).
  const paths = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true })
  for (const path of Object.keys(spec.paths)) paths.on('GET', path.replace(/\{(\w+)\}/g, ':$1'), () => {}, { path })

  return (method: string, url: string, response: LightMyRequestResponse) => {
    const status = String(response.statusCode)
    const isJson = /^application\/json/.test(String(response.headers['content-type'] ?? ''))
    const path = (paths.find('GET', url.split('?')[0] ?? '/')?.store as { path: string } | undefined)?.path
    const specMethod = method.toLowerCase()
    const found = path !== undefined && spec.paths[path]?.[specMethod] !== undefined ? { path, method: specMethod } : null
    let schemaRef: string
    if (found === null) {
      if (method.toUpperCase() === 'HEAD' || !isJson || documentationPath.test(url)) return
      if (response.statusCode < 400) throw new Error(`${method} ${url} answered ${status} but the spec has no such operation`)
      schemaRef = 'openapi#/components/schemas/ErrorBody'
    } else {
      const declared = spec.paths[found.path]?.[found.method]?.responses ?? {}
      if (declared[status] === undefined) {
        throw new Error(`${method} ${found.path} answered ${status}, a status its spec does not list (${Object.keys(declared).join(', ')}): ${response.body}`)
      }
      if (!isJson) {
        if (response.body !== '' && declared[status].content !== undefined) throw new Error(`${method} ${found.path} ${status}: not JSON`)
        return
      }
      schemaRef = `openapi#/${pointer('paths', found.path, found.method, 'responses', status, 'content', 'application/json', 'schema')}`
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
