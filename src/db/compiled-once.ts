import { createHash } from 'node:crypto'
import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import { dialectOf, type DialectName } from './dialect.js'
import type { DB } from './tables.js'

export type Value = string | number

/** Stands for the value at `index` while the query is compiled. */
class Placeholder {
  constructor (readonly index: number) {}
}

interface Template<Row> {
  readonly compiled: CompiledQuery<Row>
  /** For each parameter of the SQL, the value it takes, or -1 for a constant. */
  readonly valueAt: readonly number[]
}

/** Templates kept per query: list shapes differ by filters (one value or several) and sorts, which clients choose. */
const MAX_TEMPLATES = 256

/**
 * Statements prepared by name, at most, on each PostgreSQL connection. Clients choose list
 * shapes (filters, sorts), and each prepared statement holds memory on the
 * server for the connection's life: the first ones compiled (the shapes in use) are named,
 * later ones run unnamed.
 */
export const MAX_PREPARED_STATEMENTS = 200

/** The SQL of the templates compiled here that are prepared on PostgreSQL, and their names. */
const statementNames = new Map<string, string>()

/**
 * The name to prepare a statement under, for SQL this module compiled: the same on every
 * connection and process for the same text. Other SQL (built per call, with `in` lists of
 * any length, or past MAX_PREPARED_STATEMENTS) has none.
 */
export function preparedStatementName (sql: string): string | undefined {
  return statementNames.get(sql)
}

/**
 * A query whose SQL depends only on its dialect and on a shape (which filters, which
 * sorts): Kysely builds and compiles it once per dialect and shape, and each call runs
 * that SQL with its own values. `build` gets stand-ins for the values while compiling, and
 * must hand each one to Kysely as a value, as it is: no `in` lists, no clause that depends
 * on a value. The shape must decide everything else, and `shapeKey` must name it fully.
 */
export function compiledPerShape<Shape, Row> (
  shapeKey: (shape: Shape) => string,
  build: (db: Kysely<DB>, shape: Shape, values: readonly Value[]) => Compilable<Row>
): (db: Kysely<DB>, shape: Shape, values: readonly Value[]) => Promise<Row[]> {
  const templates = new Map<DialectName, Map<string, Template<Row>>>()

  const compile = (db: Kysely<DB>, shape: Shape, arity: number): Template<Row> => {
    const placeholders = Array.from({ length: arity }, (_, index) => new Placeholder(index)) as unknown as Value[]
    const compiled = build(db, shape, placeholders).compile()
    if (!statementNames.has(compiled.sql) && statementNames.size < MAX_PREPARED_STATEMENTS) {
      statementNames.set(compiled.sql, `cs_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 32)}`)
    }
    const valueAt = compiled.parameters.map((parameter) => parameter instanceof Placeholder ? parameter.index : -1)
    for (let index = 0; index < arity; index++) {
      if (!valueAt.includes(index)) throw new Error(`compiledOnce: argument ${index} is not a value of the query: ${compiled.sql}`)
    }
    return { compiled, valueAt }
  }

  return async (db, shape, values) => {
    // The SQL depends on the dialect and on the shape.
    const dialect = dialectOf(db)
    let byShape = templates.get(dialect)
    if (byShape === undefined) templates.set(dialect, byShape = new Map())
    const key = `${values.length}:${shapeKey(shape)}`
    let template = byShape.get(key)
    if (template === undefined) {
      template = compile(db, shape, values.length)
      if (byShape.size >= MAX_TEMPLATES) byShape.delete(byShape.keys().next().value as string)
      byShape.set(key, template)
    }
    const { compiled, valueAt } = template
    const parameters = compiled.parameters.map((constant, position) => {
      const index = valueAt[position] as number
      return index === -1 ? constant : values[index]
    })
    const result = await db.executeQuery<Row>({ ...compiled, parameters })
    return result.rows
  }
}

/** A query of one shape: its SQL is the same on every call, only its values differ. */
export function compiledOnce<Args extends readonly Value[], Row> (
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>
): (db: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  const run = compiledPerShape<null, Row>(() => '', (db, _shape, values) => build(db, ...values as unknown as Args))
  return async (db, ...args) => await run(db, null, args)
}
