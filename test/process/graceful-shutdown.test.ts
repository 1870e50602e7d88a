import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { freshPostgresUrl, testDialects } from '../helpers/app.js'
import {
  assignedServices,
  eventually,
  httpClient,
  loginOver,
  refusesConnections,
  startServer,
  type HttpClient
} from '../helpers/server-process.js'

/** A sync whose headers the server has read (it said `100 Continue`) and whose body is held back. */
async function startHeldSync (port: number, token: string, customerId: number, services: number[]) {
  const body = JSON.stringify({ services })
  const socket = createConnection(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { received += chunk })
  const closed = once(socket, 'close')
  socket.write(`POST /api/v1/customers/${customerId}/services HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    'Expect: 100-continue\r\n\r\n')
  await eventually('the server has read the headers', () => received.startsWith('HTTP/1.1 100 Continue\r\n\r\n'))
  /** Sends the body and reads the answer to the end of the connection. */
  return async () => {
    socket.write(body)
    await closed
    const answer = received.slice('HTTP/1.1 100 Continue\r\n\r\n'.length)
    const [head = '', text = ''] = answer.split('\r\n\r\n')
    return { status: Number(head.split(' ')[1]), head, body: text === '' ? undefined : JSON.parse(text) }
  }
}

interface Worker {
  customerId: number
  /** The set of the last sync answered 201: the customer's set when the server stops. */
  lastAnswered: number[]
  answered: number
  /** How the sync that ended the loop went: a status, or no answer at all. */
  ending?: number | 'no answer'
}

/** Syncs one customer again and again, each time to a set other than the one before, until a sync fails. */
async function syncUntilRefused (api: HttpClient, worker: Worker, services: number[]): Promise<void> {
  for (let round = 1; ; round++) {
    const set = services.filter((_, bit) => ((round % 63) + 1) & (1 << bit))
    let status: number
    try {
      status = (await api('POST', `/api/v1/customers/${worker.customerId}/services`, { services: set })).status
    } catch {
      worker.ending = 'no answer'
      return
    }
    if (status !== 201) {
      worker.ending = status
      return
    }
    worker.lastAnswered = set
    worker.answered++
  }
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: on SIGTERM under a sync load the server answers what it started, refuses the rest, closes the database and exits 0`, async (t) => {
    const file = join(t.testdir(), 'service.sqlite')
    const databaseUrl = dialect === 'sqlite' ? file : await freshPostgresUrl(t)
    const server = await startServer(t, { DATABASE_URL: databaseUrl })
    const token = await loginOver(server.url, databaseUrl)
    const api = httpClient(server.url, token)
    const services: number[] = []
    for (let i = 1; i <= 6; i++) {
      services.push((await api('POST', '/api/v1/customer-services', { key: `svc-${i}`, name: `Service ${i}` })).body.id)
    }
    const customerIds: number[] = []
    for (let i = 0; i < 7; i++) customerIds.push((await api('POST', '/api/v1/customers', { name: `Customer ${i}` })).body.id)
    const [heldCustomer, ...loadCustomers] = customerIds as [number, ...number[]]

    const workers: Worker[] = loadCustomers.map((customerId) => ({ customerId, lastAnswered: [], answered: 0 }))
    const load = Promise.all(workers.map((worker) => syncUntilRefused(api, worker, services)))
    await eventually('the load is under way', () => workers.every((worker) => worker.answered >= 2))

    const heldSet = [services[0] as number, services[3] as number]
    const finishHeldSync = await startHeldSync(server.port, token, heldCustomer, heldSet)
    const silent = createConnection(server.port, '127.0.0.1')
    await once(silent, 'connect')
    // Closed by a reset (ECONNRESET) is closed too; `once` would reject on that 'error'.
    silent.on('error', () => {})
    const silentClosed = new Promise((resolve) => silent.once('close', resolve))

    server.child.kill('SIGTERM')
    await eventually('the server stops accepting connections', () => refusesConnections(server.port))
    const held = await finishHeldSync()
    t.equal(held.status, 201, 'a request begun before SIGTERM is answered')
    t.match(held.head, /^connection: close$/im, 'and its connection closed after the answer')
    t.same(held.body?.attached, heldSet)
    await silentClosed
    t.pass('a connection that never sent a request is closed at once')

    const exit = await server.exited
    t.equal(exit.code, 0, 'the process exits 0, within close-with-grace\'s delay')
    await load
    if (dialect === 'sqlite') t.notOk(existsSync(`${file}-wal`), 'SQLite was closed cleanly: it removed its write-ahead log')

    const final = await assignedServices(databaseUrl)
    t.same(final.get(heldCustomer), heldSet, 'the held sync was applied')
    for (const worker of workers) {
      t.ok(worker.ending === 'no answer' || worker.ending === 503, `customer ${worker.customerId}: the last sync was refused (${worker.ending})`)
      t.same(final.get(worker.customerId) ?? [], worker.lastAnswered,
        `customer ${worker.customerId}: the refused sync changed nothing; the last answered one holds`)
    }
  })
}
