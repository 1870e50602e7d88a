import t from 'tap'
import { assignmentSetTag, ifMatchAccepts } from '../../src/domain/entity-tag.js'

t.test('a set tag is a strong tag naming the set version', async (t) => {
  t.equal(assignmentSetTag(1234), '"v1234"')
  t.equal(assignmentSetTag(null), '"v0"', 'a customer without history')
  t.not(assignmentSetTag(1), assignmentSetTag(2))
})

t.test('If-Match compares strongly: any listed strong tag, or *', async (t) => {
  const current = '"v7"'
  t.ok(ifMatchAccepts('"v7"', current))
  t.ok(ifMatchAccepts(' "v6", "v7" ', current))
  t.ok(ifMatchAccepts('*', current))
  t.notOk(ifMatchAccepts('W/"v7"', current), 'a weak tag never matches')
  t.notOk(ifMatchAccepts('"v6"', current))
  t.notOk(ifMatchAccepts('v7', current), 'an unquoted value is no tag')
  t.notOk(ifMatchAccepts('', current))
  t.notOk(ifMatchAccepts('"v7', current))
})
