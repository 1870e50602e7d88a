import t from 'tap'
import { TtlCache } from '../../src/lib/ttl-cache.js'

t.test('entries expire after the ttl, or at their own earlier deadline', async (t) => {
  let now = 1000
  const cache = new TtlCache<string>(10, 500, () => now)
  cache.set('a', 'A')
  cache.set('b', 'B', 1200)
  now = 1199
  t.equal(cache.get('a'), 'A')
  t.equal(cache.get('b'), 'B')
  now = 1200
  t.equal(cache.get('b'), undefined, 'the deadline wins when sooner')
  now = 1500
  t.equal(cache.get('a'), undefined)
})

t.test('the cache never holds more than its capacity, forgetting the oldest first', async (t) => {
  const cache = new TtlCache<number>(3, 10_000)
  for (let i = 0; i < 5; i++) cache.set(`k${i}`, i)
  t.equal(cache.size, 3)
  t.equal(cache.get('k0'), undefined)
  t.equal(cache.get('k1'), undefined)
  t.equal(cache.get('k4'), 4)
})

t.test('delete forgets at once; a zero ttl keeps nothing', async (t) => {
  const cache = new TtlCache<number>(3, 10_000)
  cache.set('x', 1)
  cache.delete('x')
  t.equal(cache.get('x'), undefined)
  const off = new TtlCache<number>(3, 0)
  off.set('x', 1)
  t.equal(off.size, 0)
  t.equal(off.get('x'), undefined)
})
