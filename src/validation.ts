import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

function createAjv (options: Options): Ajv {
  // The schemas are TypeBox's, checked by the tests: validating them against the meta-schema
  // at every start would only cost time.
  const ajv = new Ajv({ strict: false, useDefaults: true, validateSchema: false, ...options })
  addFormats.default(ajv)
  return ajv
}

/**
 * Bodies are validated as sent (no type coercion: Laravel's `string` rule refuses 123),
 * collecting every error with its value for Laravel's messages. Path and query
 * values are strings on the wire and are coerced to their documented types.
 */
export function createValidatorCompiler (): FastifySchemaCompiler<any> {
  const bodies = createAjv({ coerceTypes: false, allErrors: true, verbose: true })
  const parameters = createAjv({ coerceTypes: 'array', allErrors: false })
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : parameters).compile(schema)
}
