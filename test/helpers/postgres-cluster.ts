import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './server-process.js'

const run = promisify(execFile)

/** Debian's PostgreSQL server binaries, newest version first; undefined when none is installed. */
export function postgresBinaries (): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  return versions.map((version) => join(root, version, 'bin')).find((bin) => existsSync(join(bin, 'initdb')))
}

export interface Cluster {
  /** A connection URL to its `postgres` database. */
  readonly url: string
  start: () => Promise<void>
  stop: () => Promise<void>
  restart: () => Promise<void>
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a free port, that the
 * test may stop and start at will (never the machine's shared server). initdb refuses to run
 * as root, so as root the cluster belongs to the `postgres` user. It is stopped and deleted
 * in teardown.
 */
export async function throwawayCluster (t: { teardown: (fn: () => unknown) => void }, bin: string): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-cluster-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  if (asRoot) await run('chown', ['postgres:', dir])
  const as = (command: string, args: string[]) => asRoot
    ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
    : run(join(bin, command), args)
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=30`
  const pgCtl = (...args: string[]) => as('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', ...args])

  t.teardown(async () => {
    await pgCtl('-m', 'immediate', 'stop').catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  await as('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => { await pgCtl('-o', options, 'start') },
    stop: async () => { await pgCtl('-m', 'fast', 'stop') },
    restart: async () => { await pgCtl('-m', 'fast', '-o', options, 'restart') }
  }
}
