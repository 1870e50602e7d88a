import t from 'tap'
import { VersionedCache } from '../../src/lib/versioned-cache.js'

t.test('an answer is served only while the data stays at the version it was computed at', async (t) => {
  const cache = new VersionedCache(1000, 100)
  t.equal(cache.get('a', 'v1'), undefined)
  cache.set('a', 'v1', 'A1')
  t.equal(cache.get('a', 'v1'), 'A1')
  t.equal(cache.get('a', 'v2'), undefined, 'a new version is a miss')
  t.equal(cache.size, 0, 'and empties the cache')
  t.equal(cache.get('a', 'v1'), undefined, 'an old version never comes back')
})

t.test('an answer computed at a version that is no longer current is not kept', async (t) => {
  const cache = new VersionedCache(1000, 100)
  cache.get('a', 'v2')
  cache.set('a', 'v1', 'stale')
  t.equal(cache.get('a', 'v2'), undefined)
  t.equal(cache.get('a', 'v1'), undefined)
})

t.test('the cache holds at most its byte budget, forgetting the oldest first, and no oversized entry', async (t) => {
  const cache = new VersionedCache(10, 6)
  cache.get('', 'v')
  cache.set('a', 'v', 'aaaa')
  cache.set('b', 'v', 'bbbb')
  cache.set('c', 'v', 'cccc')
  t.equal(cache.get('a', 'v'), undefined)
  t.equal(cache.get('b', 'v'), 'bbbb')
  t.equal(cache.get('c', 'v'), 'cccc')
  t.equal(cache.bytes, 8)
  cache.set('d', 'v', 'ddddddd')
  t.equal(cache.get('d', 'v'), undefined, 'an entry over the per-entry limit is not kept')
  cache.set('b', 'v', 'BB')
  t.equal(cache.bytes, 6, 'replacing an entry counts its new size only')
  t.equal(cache.get('b', 'v'), 'BB')
})
