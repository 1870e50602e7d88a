/** What can happen to one assignment; the history and the change events name each change by it. */
export const assignmentActions = ['attached', 'detached', 'updated'] as const
export type AssignmentAction = typeof assignmentActions[number]

export interface PivotAttributes {
  version?: string | null
}

export interface CurrentAssignment {
  version: string | null
}

export interface AssignmentDiff {
  attach: Array<{ serviceId: number, version: string | null }>
  detach: number[]
  update: Array<{ serviceId: number, version: string | null }>
}

/**
 * What Laravel's `sync()` would do, computed without touching the database:
 * rows to insert, rows to delete, and rows whose given attributes differ.
 * Attributes that were not given are left as they are. Every list is sorted by id.
 */
export function diffAssignments (
  current: ReadonlyMap<number, CurrentAssignment>,
  desired: ReadonlyMap<number, PivotAttributes>
): AssignmentDiff {
  const attach: AssignmentDiff['attach'] = []
  const update: AssignmentDiff['update'] = []
  const detach: number[] = []

  for (const [serviceId, attributes] of desired) {
    const existing = current.get(serviceId)
    if (existing === undefined) {
      attach.push({ serviceId, version: attributes.version ?? null })
    } else if (attributes.version !== undefined && attributes.version !== existing.version) {
      update.push({ serviceId, version: attributes.version })
    }
  }
  for (const serviceId of current.keys()) {
    if (!desired.has(serviceId)) detach.push(serviceId)
  }

  const byId = (a: { serviceId: number }, b: { serviceId: number }) => a.serviceId - b.serviceId
  return {
    attach: attach.sort(byId),
    detach: detach.sort((a, b) => a - b),
    update: update.sort(byId)
  }
}
