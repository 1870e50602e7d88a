import t from 'tap'
import { diffAssignments, type CurrentAssignment, type PivotAttributes } from '../../src/domain/assignment-diff.js'

const current = (entries: Array<[number, string | null]>) =>
  new Map<number, CurrentAssignment>(entries.map(([id, version]) => [id, { version }]))
const desired = (entries: Array<[number, PivotAttributes]>) => new Map<number, PivotAttributes>(entries)

t.test('ids not yet assigned are attached, ids no longer wanted are detached', async (t) => {
  t.same(diffAssignments(current([[1, null], [2, null]]), desired([[2, {}], [3, {}]])), {
    attach: [{ serviceId: 3, version: null }],
    detach: [1],
    update: []
  })
})

t.test('an attached row takes the version given, or null', async (t) => {
  t.same(diffAssignments(current([]), desired([[1, { version: '1.1.0' }], [2, {}], [3, { version: null }]])).attach, [
    { serviceId: 1, version: '1.1.0' },
    { serviceId: 2, version: null },
    { serviceId: 3, version: null }
  ])
})

t.test('an empty wish detaches everything', async (t) => {
  t.same(diffAssignments(current([[4, 'a'], [2, null]]), desired([])), { attach: [], detach: [2, 4], update: [] })
})

t.test('the same set with no attributes changes nothing', async (t) => {
  t.same(diffAssignments(current([[1, '1.0'], [2, null]]), desired([[1, {}], [2, {}]])), {
    attach: [], detach: [], update: []
  })
})

t.test('attributes not given are left as they are', async (t) => {
  t.same(diffAssignments(current([[1, '1.0']]), desired([[1, { version: undefined }]])).update, [])
})

t.test('a different version given updates the row', async (t) => {
  t.same(diffAssignments(current([[1, '1.0']]), desired([[1, { version: '2.0' }]])).update, [
    { serviceId: 1, version: '2.0' }
  ])
})

t.test('a null version given clears a version that was set', async (t) => {
  t.same(diffAssignments(current([[1, '1.0']]), desired([[1, { version: null }]])).update, [
    { serviceId: 1, version: null }
  ])
})

t.test('a version given but equal to the current one is no update', async (t) => {
  t.same(diffAssignments(current([[1, '1.0'], [2, null]]), desired([[1, { version: '1.0' }], [2, { version: null }]])).update, [])
})

t.test('a version given where there was none updates the row', async (t) => {
  t.same(diffAssignments(current([[1, null]]), desired([[1, { version: '1.0' }]])).update, [
    { serviceId: 1, version: '1.0' }
  ])
})

t.test('every list is sorted by id, whatever the input order', async (t) => {
  const diff = diffAssignments(
    current([[30, 'a'], [5, null], [20, 'a'], [3, null], [100, 'a']]),
    desired([[40, {}], [20, { version: 'b' }], [7, {}], [100, { version: 'b' }], [12, {}], [30, { version: 'b' }]])
  )
  t.same(diff.attach.map((row) => row.serviceId), [7, 12, 40])
  t.same(diff.detach, [3, 5])
  t.same(diff.update.map((row) => row.serviceId), [20, 30, 100])
})

t.test('ids sort numerically, not as text', async (t) => {
  const diff = diffAssignments(current([[10, null], [9, null]]), desired([[100, {}], [20, {}]]))
  t.same(diff.attach.map((row) => row.serviceId), [20, 100])
  t.same(diff.detach, [9, 10])
})
