import SQLite from 'better-sqlite3'
import t from 'tap'
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../src/db/checkpointer.js'
import { eventually } from '../helpers/server-process.js'

t.test('a checkpointer that dies hands checkpoints back to the connection', async (t) => {
  const database = new SQLite(`${t.testdir()}/served.sqlite`)
  t.teardown(() => database.close())
  database.pragma('journal_mode = WAL')
  // Its worker cannot open this file, and ends.
  const checkpointer = startCheckpointer(database, `${t.testdir()}/no-such-folder/served.sqlite`)
  t.equal(database.pragma('wal_autocheckpoint', { simple: true }), 0, 'while it runs, the connection does not checkpoint')
  await eventually('the connection checkpoints again', () => database.pragma('wal_autocheckpoint', { simple: true }) === FALLBACK_AUTOCHECKPOINT_PAGES)
  await checkpointer.stop()
  t.pass('closing does not wait for the dead worker')
})
