import t from 'tap'
import { toLaravelTimestamp, toStoredTimestamp } from '../../src/domain/timestamps.js'

const instant = new Date(Date.UTC(2026, 10, 28, 16, 43, 17, 123))

t.test('a date is written as Laravel does: UTC, six fractional digits, Z', async (t) => {
  t.equal(toLaravelTimestamp(instant), '2026-11-28T16:43:17.123000Z')
  t.equal(toLaravelTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '2026-01-02T03:04:05.000000Z')
})

t.test('a stored string is read and written the same way', async (t) => {
  t.equal(toLaravelTimestamp('2026-11-28T16:43:17.123Z'), '2026-11-28T16:43:17.123000Z')
  t.equal(toLaravelTimestamp('2026-11-28T16:43:17Z'), '2026-11-28T16:43:17.000000Z')
})

t.test('a timestamp with an offset is converted to UTC', async (t) => {
  t.equal(toLaravelTimestamp('2026-11-28T17:43:17.500+01:00'), '2026-11-28T16:43:17.500000Z')
})

t.test('what is stored reads back as the same Laravel timestamp', async (t) => {
  t.equal(toLaravelTimestamp(toStoredTimestamp(instant)), toLaravelTimestamp(instant))
})

t.test('timestamps are stored as ISO-8601 UTC with milliseconds', async (t) => {
  t.equal(toStoredTimestamp(instant), '2026-11-28T16:43:17.123Z')
})

t.test('stored timestamps sort as text in time order', async (t) => {
  const earlier = toStoredTimestamp(new Date(Date.UTC(2026, 8, 30, 23, 59, 59, 999)))
  const later = toStoredTimestamp(new Date(Date.UTC(2026, 9, 1)))
  t.ok(earlier < later)
})

t.test('an unreadable timestamp is an error, not a wrong date', async (t) => {
  t.throws(() => toLaravelTimestamp('not a date'), RangeError)
})
