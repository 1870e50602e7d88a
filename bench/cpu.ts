import { readdirSync, readFileSync } from 'node:fs'

/** CPU time a process has used, user and system, in clock ticks (1/100 s on Linux); 0 once it is gone. */
export function cpuTicks (pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}
const MICROS_PER_TICK = 10_000

function commandLine (pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
  } catch {
    return undefined
  }
}

/**
 * The PostgreSQL server's processes that work for `database`: the postmaster, the background
 * processes (checkpointer, WAL writer, autovacuum …) and the backends connected to that database.
 * Backends of other databases (other work on this shared server) are left out.
 */
function postgresPids (database: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const line = commandLine(Number(entry))
    if (line === undefined || !/^(\S*\/)?postgres(:|\s|$)/.test(line)) continue
    const client = /\(\d+\)|\[local\]/.test(line)
    if (!client || line.split(' ').includes(database)) pids.push(Number(entry))
  }
  return pids
}

/** What a server costs: its process, and the PostgreSQL processes working for its database. */
export interface CpuScope {
  readonly pid: number
  /** The PostgreSQL database the server uses, when it uses one. */
  readonly postgresDatabase?: string
}

function snapshot (scope: CpuScope): Map<number, number> {
  const pids = [scope.pid, ...(scope.postgresDatabase === undefined ? [] : postgresPids(scope.postgresDatabase))]
  return new Map(pids.map((pid) => [pid, cpuTicks(pid)]))
}

/**
 * The CPU time the scope's processes spent while `work` runs, in microseconds. A backend that
 * started meanwhile counts from zero; one that exited meanwhile is lost (pools keep theirs open).
 */
export async function cpuMicrosDuring<T> (scope: CpuScope, work: () => Promise<T>): Promise<{ result: T, cpuMicros: number }> {
  const before = snapshot(scope)
  const result = await work()
  let ticks = 0
  for (const [pid, after] of snapshot(scope)) ticks += Math.max(0, after - (before.get(pid) ?? 0))
  return { result, cpuMicros: ticks * MICROS_PER_TICK }
}
