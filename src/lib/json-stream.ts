/**
 * The JSON text of `head` with one more property, an array whose items arrive in
 * chunks: the same text `JSON.stringify({ ...head, [key]: items })` gives, produced
 * piece by piece so that no more than one chunk is ever in memory.
 */
export async function * jsonWithStreamedArray (
  head: object,
  key: string,
  chunks: AsyncIterable<unknown[]>
): AsyncGenerator<string> {
  const opening = JSON.stringify(head)
  yield `${opening.length > 2 ? `${opening.slice(0, -1)},` : '{'}${JSON.stringify(key)}:[`
  let first = true
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue
    yield `${first ? '' : ','}${chunk.map((item) => JSON.stringify(item)).join(',')}`
    first = false
  }
  yield ']}'
}
