/** A drawn request's variables: what the scenario chose at random (a customer id, a page, a key). */
export type Variables = Readonly<Record<string, number | string>>

/** How a captured statement's parameter follows the request: the baseline computes it from the variables. */
export type ParameterRule =
  | { readonly kind: 'constant', readonly value: unknown }
  | { readonly kind: 'variable', readonly name: string, readonly numeric: boolean }
  | { readonly kind: 'linear', readonly name: string, readonly scale: number, readonly offset: number }

export interface CapturedStatement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/** One request the service answered: the variables it was drawn with, and the statements it ran. */
export interface CapturedRequest {
  readonly variables: Variables
  readonly statements: readonly CapturedStatement[]
}

export interface StatementTemplate {
  readonly sql: string
  readonly parameters: readonly ParameterRule[]
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

function ruleFor (values: readonly unknown[], requests: readonly CapturedRequest[]): ParameterRule | undefined {
  const names = Object.keys(requests[0]?.variables ?? {})
  for (const name of names) {
    const given = requests.map((request) => request.variables[name])
    if (values.every((value, index) => value === given[index])) return { kind: 'variable', name, numeric: typeof given[0] === 'number' }
    if (values.every((value, index) => typeof value !== 'number' && String(value) === String(given[index]))) {
      return { kind: 'variable', name, numeric: false }
    }
  }
  if (values.every((value) => same(value, values[0]))) return { kind: 'constant', value: values[0] }
  for (const name of names) {
    const given = requests.map((request) => Number(request.variables[name]))
    if (values.some((value) => typeof value !== 'number') || given.some((value) => !Number.isFinite(value))) continue
    const [x0, x1] = given as [number, number]
    const [y0, y1] = values as [number, number]
    if (x0 === x1) continue
    const scale = (y1 - y0) / (x1 - x0)
    const offset = y0 - scale * x0
    if (values.every((value, index) => value === scale * (given[index] as number) + offset)) return { kind: 'linear', name, scale, offset }
  }
  return undefined
}

/**
 * The statements a scenario's requests run, with each parameter's rule: the variable it equals,
 * a linear function of one (a page's offset), or a constant. Needs three requests or more whose
 * variables all differ from each other's, so that a rule found on two is checked on the third;
 * throws when the requests ran different statements or a parameter follows no rule.
 */
export function deriveTemplates (requests: readonly CapturedRequest[]): StatementTemplate[] {
  const [first] = requests
  if (first === undefined || requests.length < 3) throw new Error('three captured requests or more are needed')
  for (const request of requests) {
    if (!same(request.statements.map((s) => s.sql), first.statements.map((s) => s.sql))) {
      throw new Error(`the requests ran different statements:\n${first.statements.map((s) => s.sql).join('\n')}\n---\n${request.statements.map((s) => s.sql).join('\n')}`)
    }
  }
  return first.statements.map((statement, index) => ({
    sql: statement.sql,
    parameters: statement.parameters.map((_, position) => {
      const values = requests.map((request) => request.statements[index]?.parameters[position])
      const rule = ruleFor(values, requests)
      if (rule === undefined) throw new Error(`parameter ${position + 1} of "${statement.sql}" follows none of the variables: ${JSON.stringify(values)}`)
      return rule
    })
  }))
}

/** Variables that differ in every name from all the others' (what `deriveTemplates` needs). */
export function allDistinct (drawn: readonly Variables[]): boolean {
  const names = Object.keys(drawn[0] ?? {})
  return names.every((name) => new Set(drawn.map((variables) => variables[name])).size === drawn.length)
}
