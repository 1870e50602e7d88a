import t from 'tap'
import { jsonWithStreamedArray } from '../../src/lib/json-stream.js'

async function text (head: object, key: string, chunks: unknown[][]) {
  let out = ''
  for await (const piece of jsonWithStreamedArray(head, key, (async function * () { yield * chunks })())) out += piece
  return out
}

t.test('the streamed text is exactly what JSON.stringify writes for the whole object', async (t) => {
  const head = { id: 1, name: 'Télé "quoted" \\ \u2028 \ud800', description: null, flag: true }
  const items = Array.from({ length: 7 }, (_, i) => ({ id: i, name: `n${i}` }))
  for (const chunks of [[], [[]], [items], [items.slice(0, 3), [], items.slice(3)], items.map((item) => [item])]) {
    t.equal(await text(head, 'customers', chunks), JSON.stringify({ ...head, customers: chunks.flat() }))
  }
  t.equal(await text({}, 'list', [[1, 2], [3]]), JSON.stringify({ list: [1, 2, 3] }), 'an empty head')
})
