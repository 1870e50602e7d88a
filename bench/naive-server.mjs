// The like-for-like baselines: bare Fastify and the service's driver, on a copy of the
// service's database (DATABASE_URL: a SQLite file or postgres://…), plain JS as the built
// service runs, with no Kysely, no auth and no hooks. It serves
// - the sync the naive way: one transaction that locks the customer, reads its set, deletes the
//   removed and inserts the added pivot rows (no history, no outbox, no counters), answering
//   the service's status and shape;
// - GET /same-sql/:scenario: the statements the service runs for that scenario's request,
//   handed over by POST /same-sql/:scenario as SQL texts and parameter rules (constants, or
//   a linear function of the request's variables, which arrive as the query string), their
//   rows serialized to JSON padded to `bytes`, the size of the service's answer.
// On PostgreSQL every statement is prepared by name on each connection, once: the driver at
// its best, with the service's pool size.
import Fastify from 'fastify'

const url = process.env.DATABASE_URL ?? ''
const POSTGRES_POOL_SIZE = 10
const BUSY_TIMEOUT_MS = 5000

const statementNames = new Map()
const nameOf = (text) => {
  let name = statementNames.get(text)
  if (name === undefined) statementNames.set(text, name = `naive_${statementNames.size}`)
  return name
}

async function openPostgres () {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url, max: POSTGRES_POOL_SIZE })
  const run = (client, text, values) => client.query({ name: nameOf(text), text, values })
  return {
    async sync (customerId, wanted, now) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        try {
          const found = await run(client, 'select id from customers where id = $1 for update', [customerId])
          if (found.rowCount === 0) {
            await client.query('rollback')
            return null
          }
          const current = await run(client, 'select customer_service_id from customer_customer_service where customer_id = $1', [customerId])
          const diff = diffSets(current.rows.map((row) => row.customer_service_id), wanted)
          if (diff.detached.length > 0) {
            await run(client, 'delete from customer_customer_service where customer_id = $1 and customer_service_id = any($2::int[])', [customerId, diff.detached])
          }
          if (diff.attached.length > 0) {
            await run(client, 'insert into customer_customer_service (customer_id, customer_service_id, version, created_at, updated_at) ' +
              'select $1, id, null, $3, $3 from unnest($2::int[]) as id', [customerId, diff.attached, now])
          }
          await client.query('commit')
          return diff
        } catch (error) {
          await client.query('rollback').catch(() => {})
          throw error
        }
      } finally {
        client.release()
      }
    },
    async statements (list) {
      const client = await pool.connect()
      try {
        const rows = []
        for (const { sql, values } of list) rows.push(...(await run(client, sql, values)).rows)
        return rows
      } finally {
        client.release()
      }
    },
    close: () => pool.end()
  }
}

async function openSqlite () {
  const { default: SQLite } = await import('better-sqlite3')
  const database = new SQLite(url)
  // What a sensible naive writer sets; the checkpoints are SQLite's default (every 1,000 pages,
  // on the committing request), which the service's WAL bound is compared against.
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  database.pragma('foreign_keys = ON')
  const prepared = new Map()
  const prepare = (text) => {
    let statement = prepared.get(text)
    if (statement === undefined) prepared.set(text, statement = database.prepare(text))
    return statement
  }
  const begin = prepare('begin immediate')
  const commit = prepare('commit')
  const rollback = prepare('rollback')
  const customer = prepare('select id from customers where id = ?')
  const current = prepare('select customer_service_id from customer_customer_service where customer_id = ?').pluck()
  const detach = prepare('delete from customer_customer_service where customer_id = ? and customer_service_id = ?')
  const attach = prepare('insert into customer_customer_service (customer_id, customer_service_id, version, created_at, updated_at) values (?, ?, null, ?, ?)')
  return {
    async sync (customerId, wanted, now) {
      begin.run()
      try {
        if (customer.get(customerId) === undefined) {
          rollback.run()
          return null
        }
        const diff = diffSets(current.all(customerId), wanted)
        for (const id of diff.detached) detach.run(customerId, id)
        for (const id of diff.attached) attach.run(customerId, id, now, now)
        commit.run()
        return diff
      } catch (error) {
        if (database.inTransaction) rollback.run()
        throw error
      }
    },
    async statements (list) {
      const rows = []
      for (const { sql, values } of list) {
        const statement = prepare(sql)
        if (statement.reader) rows.push(...statement.all(values))
        else statement.run(values)
      }
      return rows
    },
    close: async () => database.close()
  }
}

function diffSets (current, wanted) {
  const have = new Set(current)
  const want = new Set(wanted)
  return {
    attached: [...want].filter((id) => !have.has(id)).sort((a, b) => a - b),
    detached: [...have].filter((id) => !want.has(id)).sort((a, b) => a - b),
    updated: []
  }
}

/** A statement's parameter: a constant, or `scale × variable + offset`. */
function valueOf (rule, variables) {
  if (rule.kind === 'constant') return rule.value
  const given = variables[rule.name]
  if (given === undefined) throw new Error(`variable ${rule.name} missing`)
  if (rule.kind === 'variable') return rule.numeric ? Number(given) : given
  return rule.scale * Number(given) + rule.offset
}

function padded (rows, bytes) {
  const body = JSON.stringify({ data: rows })
  const frame = ',"padding":""}'
  const missing = bytes - body.length - frame.length
  return missing > 0 ? `${body.slice(0, -1)},"padding":"${'x'.repeat(missing)}"}` : body
}

const database = url.startsWith('postgres:') || url.startsWith('postgresql:') ? await openPostgres() : await openSqlite()
const scenarios = new Map()
const app = Fastify({ logger: false })

app.get('/ready', async () => ({ status: 'ok' }))

app.post('/api/v1/customers/:customer/services', async (request, reply) => {
  const customerId = Number(request.params.customer)
  const wanted = request.body?.services
  if (!Number.isSafeInteger(customerId) || !Array.isArray(wanted) || !wanted.every(Number.isSafeInteger)) {
    return reply.code(422).send({ message: 'The services field must be an array.' })
  }
  const diff = await database.sync(customerId, wanted, new Date().toISOString())
  if (diff === null) return reply.code(404).send({ message: 'No query results for model [Customer].' })
  return reply.code(201).send({ message: 'Services synced successfully.', ...diff })
})

app.post('/same-sql/:scenario', async (request) => {
  scenarios.set(request.params.scenario, request.body.statements)
  return { statements: request.body.statements.length }
})

app.get('/same-sql/:scenario', async (request, reply) => {
  const statements = scenarios.get(request.params.scenario)
  if (statements === undefined) return reply.code(404).send({ message: `no statements for ${request.params.scenario}` })
  const variables = request.query
  const rows = await database.statements(statements.map((statement) => ({
    sql: statement.sql,
    values: statement.parameters.map((rule) => valueOf(rule, variables))
  })))
  return reply.type('application/json; charset=utf-8').send(padded(rows, Number(variables.bytes) || 0))
})

await app.listen({ port: Number(process.env.PORT ?? 3002), host: process.env.HOST ?? '127.0.0.1' })

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => { app.close().then(() => database.close()).then(() => process.exit(0)) })
