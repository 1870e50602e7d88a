import { statSync } from 'node:fs'

const walBytes = (databaseFile: string) => {
  try {
    return statSync(`${databaseFile}-wal`).size
  } catch {
    return 0
  }
}

/** The size of a SQLite file's write-ahead log, sampled every `intervalMs` until stopped: its maximum is the bound that held. */
export function sampleWal (databaseFile: string, intervalMs = 20) {
  let maxBytes = walBytes(databaseFile)
  const timer = setInterval(() => { maxBytes = Math.max(maxBytes, walBytes(databaseFile)) }, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      return Math.max(maxBytes, walBytes(databaseFile))
    }
  }
}
