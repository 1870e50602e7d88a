import { parseArgs } from 'node:util'

/** Parses `--name value` options; unknown options are an error, as is a missing value. */
export function parseOptions<const Names extends string> (argv: string[], names: readonly Names[]): Partial<Record<Names, string>> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false
  })
  return values as Partial<Record<Names, string>>
}
