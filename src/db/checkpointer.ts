import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'

/**
 * The SQLite checkpoint policy. A checkpoint copies the log's pages into the database file and
 * syncs both; run by a commit (SQLite's autocheckpoint) it stalled that request and every one
 * queued behind it on the connection, for up to 1.4 s under load. So the serving connection never
 * checkpoints (`wal_autocheckpoint = 0`): a worker thread with its own connection runs a PASSIVE
 * checkpoint every `CHECKPOINT_INTERVAL_MS`, beside the writes (it takes no lock a writer or a
 * reader waits for). The log starts again from its beginning when a write begins after a
 * checkpoint copied all of it; a steady stream of writes may never leave such a gap, so when the
 * log file passes `WAL_LIMIT_BYTES` the next write waits (asynchronously: reads go on) for the
 * worker to catch up, and then restarts the log, which cuts the file back to `WAL_RESTART_BYTES`.
 * The file thus stays under the limit plus one group of writes.
 *
 * Should the worker die, or fail to start, the connection falls back to SQLite's own
 * autocheckpoint at its default of `FALLBACK_AUTOCHECKPOINT_PAGES`: stalls again, but a bounded log.
 */
export const CHECKPOINT_INTERVAL_MS = 100
export const WAL_LIMIT_BYTES = 32 * 1024 * 1024
export const WAL_RESTART_BYTES = 8 * 1024 * 1024
export const FALLBACK_AUTOCHECKPOINT_PAGES = 1000

/** Plain CommonJS evaluated in the worker, so that it runs the same from the sources, the tests and the bundle. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const database = new Database(workerData.filename)
const checkpoint = () => {
  try {
    return database.pragma('wal_checkpoint(PASSIVE)')[0]
  } catch (error) {
    // Another process's checkpoint may hold the log: the next tick tries again.
    if (error.code !== 'SQLITE_BUSY') throw error
    return { log: 1, checkpointed: 0 }
  }
}
let timer
const tick = () => {
  checkpoint()
  timer = setTimeout(tick, workerData.intervalMs)
}
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearTimeout(timer)
    database.close()
    parentPort.close()
    return
  }
  // A writer of another process may keep adding to the log: a few tries, then the caller goes on.
  let done = checkpoint()
  for (let tries = 1; tries < 3 && done.checkpointed < done.log; tries++) done = checkpoint()
  parentPort.postMessage('caught up')
})
tick()
`

export interface Checkpointer {
  /** Called after each commit: returns once the log file is under its limit again (at once, mostly). */
  readonly afterCommit: () => Promise<void>
  /** Ends the worker and closes its connection, so that the serving one, closed last, removes the log. */
  readonly stop: () => Promise<void>
}

export function startCheckpointer (database: SQLite.Database, filename: string): Checkpointer {
  const walFile = `${filename}-wal`
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { driver: fileURLToPath(import.meta.resolve('better-sqlite3')), filename, intervalMs: CHECKPOINT_INTERVAL_MS }
  })
  // A database left open must not keep the process alive for its checkpointer.
  worker.unref()
  database.pragma('wal_autocheckpoint = 0')
  let running = true
  let stopping = false
  let caughtUp: (() => void) | undefined
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    running = false
    if (!stopping && database.open) database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`)
    caughtUp?.()
    resolve()
  }))
  // The exit that follows an error falls back; an 'error' nobody listens to would end the process.
  worker.on('error', () => {})
  worker.on('message', () => caughtUp?.())
  return {
    afterCommit: async () => {
      if (!running || (statSync(walFile, { throwIfNoEntry: false })?.size ?? 0) <= WAL_LIMIT_BYTES) return
      await new Promise<void>((resolve) => {
        caughtUp = resolve
        worker.postMessage('catch up')
      })
      caughtUp = undefined
    },
    stop: async () => {
      stopping = true
      if (running) {
        worker.ref()
        worker.postMessage('stop')
      }
      await exited
    }
  }
}
