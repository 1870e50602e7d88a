import type { ErrorObject } from 'ajv'

/** Laravel's error bag: each failing field with its messages, in the order found. */
export type ErrorBag = Record<string, string[]>

/**
 * Turns JSON Schema validation errors (Ajv, `allErrors` and `verbose`) into the
 * messages Laravel 10+ writes for the matching rules.
 */
export function laravelErrorBag (errors: readonly ErrorObject[]): ErrorBag {
  const bag: ErrorBag = {}
  for (const error of resolveAlternatives(errors)) {
    const field = fieldOf(error)
    const message = messageFor(error, attributeName(field))
    const messages = bag[field] ?? (bag[field] = [])
    if (!messages.includes(message)) messages.push(message)
  }
  return bag
}

/** One bag of several, keys in the order first met; a field in more than one keeps every message. */
export function joinErrorBags (...bags: readonly ErrorBag[]): ErrorBag {
  const joined: ErrorBag = {}
  for (const bag of bags) {
    for (const [field, messages] of Object.entries(bag)) joined[field] = [...(joined[field] ?? []), ...messages]
  }
  return joined
}

/** Laravel's summary: the first message, and how many more there are. */
export function summarizeErrors (bag: ErrorBag): string {
  const messages = Object.values(bag).flat()
  const first = messages[0] ?? 'The given data was invalid.'
  const more = messages.length - 1
  if (more <= 0) return first
  return `${first} (and ${more} more ${more === 1 ? 'error' : 'errors'})`
}

/**
 * For `anyOf`, keep only the errors of the alternative meant for the value sent:
 * the first whose type matched, or the first alternative when none did.
 */
function resolveAlternatives (errors: readonly ErrorObject[]): ErrorObject[] {
  let remaining = [...errors]
  const alternatives = errors
    .filter((error) => error.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length)
  for (const choice of alternatives) {
    if (!remaining.includes(choice)) continue
    const prefix = `${choice.schemaPath}/`
    const branchOf = (error: ErrorObject) => Number(error.schemaPath.slice(prefix.length).split('/')[0])
    const inside = remaining.filter((error) => error.schemaPath.startsWith(prefix))
    const branches = [...new Set(inside.map(branchOf))].sort((a, b) => a - b)
    const typeMismatched = new Set(inside
      .filter((error) => error.keyword === 'type' && error.instancePath === choice.instancePath)
      .map(branchOf))
    const chosen = branches.find((branch) => !typeMismatched.has(branch)) ?? branches[0]
    remaining = remaining.filter((error) =>
      error !== choice && (!error.schemaPath.startsWith(prefix) || branchOf(error) === chosen))
  }
  return remaining
}

function fieldOf (error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty))
  if (error.propertyName !== undefined) segments.push(error.propertyName)
  return segments.join('.')
}

function attributeName (field: string): string {
  return field.replace(/_/g, ' ')
}

function messageFor (error: ErrorObject, attribute: string): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return `The ${attribute} field is required.`
    case 'type':
      return error.data === null ? `The ${attribute} field is required.` : typeMessage(String(params.type), attribute)
    case 'minLength':
      return params.limit === 1
        ? `The ${attribute} field is required.`
        : `The ${attribute} field must be at least ${String(params.limit)} characters.`
    case 'maxLength':
      return `The ${attribute} field must not be greater than ${String(params.limit)} characters.`
    case 'minimum':
      return `The ${attribute} field must be at least ${String(params.limit)}.`
    case 'maximum':
      return `The ${attribute} field must not be greater than ${String(params.limit)}.`
    case 'minItems':
    case 'minProperties':
      return `The ${attribute} field must have at least ${String(params.limit)} items.`
    case 'maxItems':
    case 'maxProperties':
      return `The ${attribute} field must not have more than ${String(params.limit)} items.`
    case 'format':
      return params.format === 'email'
        ? `The ${attribute} field must be a valid email address.`
        : `The ${attribute} field format is invalid.`
    case 'pattern':
      return `The ${attribute} field format is invalid.`
    case 'enum':
      return isBooleanEnum(params.allowedValues)
        ? `The ${attribute} field must be true or false.`
        : `The selected ${attribute} is invalid.`
    case 'const':
      return `The selected ${attribute} is invalid.`
    default:
      return `The ${attribute} field is invalid.`
  }
}

/** Laravel's `boolean` rule, written as an enum of the values it accepts. */
function isBooleanEnum (allowed: unknown): boolean {
  return Array.isArray(allowed) && allowed.includes(true) && allowed.includes(false)
}

function typeMessage (type: string, attribute: string): string {
  switch (type) {
    case 'integer': return `The ${attribute} field must be an integer.`
    case 'number': return `The ${attribute} field must be a number.`
    case 'string': return `The ${attribute} field must be a string.`
    case 'boolean': return `The ${attribute} field must be true or false.`
    case 'array':
    case 'object': return `The ${attribute} field must be an array.`
    default: return `The ${attribute} field is invalid.`
  }
}
