/**
 * Case folding done by the application, identical on every database and locale:
 * searchable columns store a folded copy, and filter values are folded the same way.
 */
export function foldCase (text: string): string {
  return text.toLowerCase()
}

/** A LIKE pattern (escape character `\`) that matches `value` anywhere, literally. */
export function containsPattern (value: string): string {
  return `%${foldCase(value).replace(/[\\%_]/g, (character) => `\\${character}`)}%`
}
