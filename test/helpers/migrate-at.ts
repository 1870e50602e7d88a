// Runs the migrate command once the clock reaches MIGRATE_AT (epoch ms): processes started
// one after another then open the database at the same instant. Everything the command
// loads is loaded first, so that only the command itself runs after the wait.
await Promise.all([import('../../src/cli/run.js'), import('../../src/db/database.js'), import('../../src/db/migrator.js')])
const at = Number(process.env.MIGRATE_AT)
while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, 1))
await import('../../src/cli/migrate.js')
