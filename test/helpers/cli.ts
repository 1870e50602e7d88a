import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Runs a command of src/cli as its npm script would, with this test's TypeScript loader. */
export async function runCli (name: string, databaseUrl: string, args: string[]) {
  const script = new URL(`../../src/cli/${name}.ts`, import.meta.url).pathname
  try {
    const { stdout, stderr } = await run(process.execPath, [...process.execArgv, script, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl }
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number, stdout: string, stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}
