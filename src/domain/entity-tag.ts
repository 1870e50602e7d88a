/**
 * Entity tags of a customer's set of services. The tag names the set's version: the id of
 * the newest history row of the customer, which every change of the set writes and
 * nothing else does. So it changes exactly when the set does, and it is the same on every
 * replica and after every restart.
 */
export function assignmentSetTag (lastHistoryId: number | null): string {
  return `"v${lastHistoryId ?? 0}"`
}

/**
 * RFC 9110 `If-Match`: `*` matches any current representation (the customer exists, or
 * the request would have been a 404); otherwise one of the listed tags must equal the
 * current one by strong comparison, so a weak tag (`W/"…"`) never matches.
 */
export function ifMatchAccepts (header: string, currentTag: string): boolean {
  const value = header.trim()
  if (value === '*') return true
  const tags = value.match(/(W\/)?"[^"]*"/g) ?? []
  return tags.some((tag) => !tag.startsWith('W/') && tag === currentTag)
}
