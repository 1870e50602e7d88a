import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { projectRoot } from '../src/project-root.js'

export interface Server {
  readonly name: string
  readonly pid: number
  readonly origin: string
  /** Spawn until the readiness path first answered 200. */
  readonly startToReadyMs: number
  /** The process's last lines of output (the service logs at warn: anything here is worth a look). */
  readonly output: string[]
  readonly stop: () => Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')) })
    })
  })
}

async function waitReady (child: ChildProcess, url: string, started: number, timeoutMs = 120_000): Promise<number> {
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode}`)
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return performance.now() - started
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
}

async function startProcess (name: string, args: string[], env: Record<string, string>, readyPath: string, root = projectRoot): Promise<Server> {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(root),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const output: string[] = []
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter((line) => line !== ''))
    if (output.length > 200) output.splice(0, output.length - 200)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const origin = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
  try {
    const startToReadyMs = await waitReady(child, `${origin}${readyPath}`, started)
    return { name, pid: child.pid as number, origin, startToReadyMs, output, stop }
  } catch (error) {
    await stop()
    throw new Error(`${name} did not start: ${(error as Error).message}\n${output.join('\n')}`)
  }
}

/** A build of the service: this checkout's, or another's (`BENCH_COMPARE`) measured beside it. */
export interface ServiceBuild {
  /** `service`, or `service@<short commit>` for another checkout. */
  readonly label: string
  /** The checkout whose `dist/server.js` runs, as a directory URL. */
  readonly root: URL
}

export const currentBuild: ServiceBuild = { label: 'service', root: projectRoot }

/**
 * The service as production runs it: built JS, production mode, logging at warn. The rate
 * limits are still counted, but set too high to refuse the load that one token and one
 * address generate here.
 */
export async function startService (databaseUrl: string, settings: Record<string, string> = {}, build = currentBuild): Promise<Server> {
  return await startProcess(build.label, ['dist/server.js'], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
    ...settings
  }, '/health/ready', build.root)
}

/** A bare Fastify app in the same kind of process: plain JS, no auth, no database. */
export async function startBaseline (): Promise<Server> {
  return await startProcess('bare Fastify', ['bench/baseline-server.mjs'], { NODE_ENV: 'production' }, '/ready')
}

/** The like-for-like baseline on a copy of the service's database: the naive sync and the same-SQL reads. */
export async function startNaive (databaseUrl: string): Promise<Server> {
  return await startProcess('naive', ['bench/naive-server.mjs'], { NODE_ENV: 'production', DATABASE_URL: databaseUrl }, '/ready')
}

function statusKb (pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no ${field} for process ${pid}`)
  return Number(match[1])
}

export const rssKb = (pid: number) => statusKb(pid, 'VmRSS')

export const peakRssKb = (pid: number) => statusKb(pid, 'VmHWM')

/** VmHWM is the peak over the process's life: a scenario's own peak needs sampling. */
export function sampleRss (pid: number, intervalMs: number) {
  let maxKb = rssKb(pid)
  const samples: Array<{ ms: number, kb: number }> = []
  const started = performance.now()
  const take = () => {
    try {
      const kb = rssKb(pid)
      samples.push({ ms: performance.now() - started, kb })
      if (kb > maxKb) maxKb = kb
    } catch {}
  }
  take()
  const timer = setInterval(take, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      take()
      return { maxKb, samples }
    }
  }
}
