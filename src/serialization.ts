import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type SerializerFactory = ReturnType<typeof SerializerSelector>
type Serializer = ReturnType<ReturnType<SerializerFactory>>

/**
 * Fastify's own serializer factory (fast-json-stringify), with one compiled serializer per
 * distinct schema instead of one per route and status: most routes share their error
 * answers, and compiling them again and again was a sixth of the start-up time.
 * A serializer depends only on its schema, the shared schemas and the options, all of
 * which make up its key.
 */
export function sharedSerializerFactory (): SerializerFactory {
  const buildFactory = SerializerSelector()
  const serializers = new Map<string, Serializer>()
  return (externalSchemas, options) => {
    const compile = buildFactory(externalSchemas, options)
    const context = JSON.stringify([externalSchemas ?? null, options ?? null])
    return (route) => {
      const key = `${context}\n${JSON.stringify(route.schema)}`
      let serializer = serializers.get(key)
      if (serializer === undefined) {
        serializer = compile(route)
        serializers.set(key, serializer)
      }
      return serializer
    }
  }
}
