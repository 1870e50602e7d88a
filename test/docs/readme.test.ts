import { readFile } from 'node:fs/promises'
import t from 'tap'
import { settings } from '../../src/config.js'

t.test("the README's configuration table lists exactly the settings the service reads", async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.split('## Configuration')[1]?.split('\n## ')[0] ?? ''
  // Every row of the section's table but its header and separator, so a malformed row fails too.
  const rows = section.split('\n')
    .filter((line) => line.startsWith('|') && !/^\| Variable \|/.test(line) && !/^\|[-| ]+\|$/.test(line))
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '')))
  // An empty default is an empty cell.
  const defaultCell = (value: string) => value === '' ? '' : `\`${value}\``
  t.same(rows, settings.map((setting) => [`\`${setting.name}\``, defaultCell(setting.default), setting.description]))
})
