import { runCommand } from './run.js'

await runCommand(async ({ dialect, applied }) =>
  applied.length === 0
    ? `${dialect}: the database is up to date`
    : `${dialect}: applied ${applied.join(', ')}`)
