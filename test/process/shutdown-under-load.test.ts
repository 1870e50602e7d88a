import { join } from 'node:path'
import t from 'tap'
import { freshPostgresUrl, testDialects } from '../helpers/app.js'
import { keepAliveLoad } from '../helpers/keep-alive-load.js'
import { eventually, httpClient, loginOver, startServer } from '../helpers/server-process.js'

const RUNS = 5
// Each run starts a server process from source; on a busy machine that alone takes seconds.
t.setTimeout(RUNS * 2 * 60_000)

for (const dialect of testDialects()) {
  t.test(`${dialect}: on SIGTERM under keep-alive load every request that reached the server is answered, run after run`, async (t) => {
    const databaseUrl = dialect === 'sqlite' ? join(t.testdir(), 'service.sqlite') : await freshPostgresUrl(t)
    let server = await startServer(t, { DATABASE_URL: databaseUrl })
    const token = await loginOver(server.url, databaseUrl)
    const api = httpClient(server.url, token)
    const service = (await api('POST', '/api/v1/customer-services', { key: 'svc', name: 'Service' })).body.id
    const customer = (await api('POST', '/api/v1/customers', { name: 'Customer' })).body.id
    const body = JSON.stringify({ services: [service] })
    const sync = `POST /api/v1/customers/${customer}/services HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

    for (let run = 1; run <= RUNS; run++) {
      if (run > 1) server = await startServer(t, { DATABASE_URL: databaseUrl })
      const load = await keepAliveLoad(server.port, { connections: 50, depth: 2, request: sync })
      await eventually('the load is under way', () => load.tally.answered >= 100)
      server.child.kill('SIGTERM')
      const tally = await load.finished()
      t.same(tally.lost, [], `run ${run}: no request was reset or cut off (answered: ${JSON.stringify(tally.statuses)})`)
      t.equal(tally.answered + tally.unreadAtCleanClose, tally.sent,
        `run ${run}: the ${tally.unreadAtCleanClose} others were written behind an answer that closed their connection`)
      t.same(Object.keys(tally.statuses).filter((status) => status !== '201' && status !== '503'), [],
        `run ${run}: each answer is the sync's or a 503`)
      t.equal((await server.exited).code, 0, `run ${run}: the process exits 0`)
    }
  })
}
