import { copyFileSync, rmSync } from 'node:fs'
import pg from 'pg'
import type { Dialect } from './report.js'

/** A copy of a seeded database, for a server whose writes must not reach the service's data. */
export interface DatabaseCopy {
  readonly databaseUrl: string
  /** The PostgreSQL database's name (its backends are counted in the CPU), or the SQLite file. */
  readonly name: string
  readonly dispose: () => Promise<void>
}

async function onServer (serverUrl: string, text: string) {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/**
 * SQLite: the file copied (it is self-contained until a server opens it). PostgreSQL: a database
 * made from the seeded one as its template, on the server `serverUrl` names, while nothing is
 * connected to the seeded one.
 */
export async function copyDatabase (dialect: Dialect, databaseUrl: string, suffix: string, serverUrl = ''): Promise<DatabaseCopy> {
  if (dialect === 'sqlite') {
    const file = databaseUrl.replace(/\.sqlite$/, `-${suffix}.sqlite`)
    const remove = () => { for (const end of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${end}`, { force: true }) }
    remove()
    copyFileSync(databaseUrl, file)
    return { databaseUrl: file, name: file, dispose: async () => remove() }
  }
  const url = new URL(databaseUrl)
  const source = url.pathname.slice(1)
  const name = `${source}_${suffix}`
  url.pathname = `/${name}`
  await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await onServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${source}`)
  return { databaseUrl: url.href, name, dispose: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
