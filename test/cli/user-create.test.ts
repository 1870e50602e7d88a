import { join } from 'node:path'
import t from 'tap'
import { databaseUrlFor, testDialects } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'

const userCreate = (databaseUrl: string, args: string[]) => runCli('user-create', databaseUrl, args)

for (const dialect of testDialects()) {
  t.test(`${dialect}: user:create`, async (t) => {
    const url = dialect === 'sqlite' ? join(t.testdir(), 'users.sqlite') : await databaseUrlFor(t, dialect)

    const created = await userCreate(url, ['--email', 'Ops@Example.com', '--password', 'correct-horse-42', '--name', 'Ops Team'])
    t.equal(created.code, 0, created.stderr)
    t.match(created.stdout, /^created user \d+ <ops@example\.com>/)

    const taken = await userCreate(url, ['--email', 'ops@example.com', '--password', 'another-horse-42'])
    t.not(taken.code, 0)
    t.match(taken.stderr, 'a user with the email ops@example.com already exists')

    const weak = await userCreate(url, ['--email', 'weak@example.com', '--password', 'short'])
    t.not(weak.code, 0)
    t.match(weak.stderr, 'the password is too weak')

    const missing = await userCreate(url, ['--email', 'x@example.com'])
    t.not(missing.code, 0)
    t.match(missing.stderr, '--email and --password are required')

    const unknown = await userCreate(url, ['--emial', 'x@example.com'])
    t.not(unknown.code, 0)
    t.match(unknown.stderr, 'usage: npm run user:create')
  })
}
