import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type { DB } from './tables.js'

type Value = string | number

/** Stands for the argument at `index` while the query is compiled. */
class Placeholder {
  constructor (readonly index: number) {}
}

interface Template<Row> {
  readonly compiled: CompiledQuery<Row>
  /** For each parameter of the SQL, the argument it takes, or -1 for a constant. */
  readonly argumentAt: readonly number[]
}

/**
 * A query whose SQL is the same on every call, only its values differ: Kysely builds
 * and compiles it once per dialect, and each call runs that SQL with its own values.
 * `build` must hand each argument to Kysely as a value, as it is: no `in` lists, no
 * clause that depends on an argument.
 */
export function compiledOnce<Args extends readonly Value[], Row> (
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>
): (db: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  const templates = new Map<unknown, Template<Row>>()

  const compile = (db: Kysely<DB>, arity: number): Template<Row> => {
    const placeholders = Array.from({ length: arity }, (_, index) => new Placeholder(index)) as unknown as Args
    const compiled = build(db, ...placeholders).compile()
    const argumentAt = compiled.parameters.map((parameter) => parameter instanceof Placeholder ? parameter.index : -1)
    for (let index = 0; index < arity; index++) {
      if (!argumentAt.includes(index)) throw new Error(`compiledOnce: argument ${index} is not a value of the query: ${compiled.sql}`)
    }
    return { compiled, argumentAt }
  }

  return async (db, ...args) => {
    // The SQL depends on the dialect only, which the adapter's class names.
    const dialect = db.getExecutor().adapter.constructor
    let template = templates.get(dialect)
    if (template === undefined) {
      template = compile(db, args.length)
      templates.set(dialect, template)
    }
    const { compiled, argumentAt } = template
    const parameters = compiled.parameters.map((constant, position) => {
      const index = argumentAt[position] as number
      return index === -1 ? constant : args[index]
    })
    const result = await db.executeQuery<Row>({ ...compiled, parameters })
    return result.rows
  }
}
