// The baseline: what a bare Fastify route costs on this machine when it answers a
// precomputed JSON body of a given size, with no auth and no database. Plain JS, so
// that it runs as the built service does, without a TypeScript loader.
import Fastify from 'fastify'

const bodies = new Map()

/** A JSON object of exactly `size` bytes. */
function bodyOfSize (size) {
  let body = bodies.get(size)
  if (body === undefined) {
    const frame = '{"data":""}'
    body = `{"data":"${'x'.repeat(Math.max(0, size - frame.length))}"}`
    bodies.set(size, body)
  }
  return body
}

const app = Fastify({ logger: false })

app.get('/ready', async () => ({ status: 'ok' }))

const handler = async (request, reply) => {
  const size = Number(request.params.size)
  return reply.type('application/json; charset=utf-8').send(bodyOfSize(Number.isSafeInteger(size) ? size : 0))
}
app.get('/baseline/:size', handler)
app.post('/baseline/:size', handler)

await app.listen({ port: Number(process.env.PORT ?? 3001), host: process.env.HOST ?? '127.0.0.1' })

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => { app.close().then(() => process.exit(0)) })
