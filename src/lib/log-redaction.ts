/** Query parameters whose values never reach a log: the PHP SDK logs in with credentials in the URL. */
const secretParameters = new Set(['password', 'password_confirmation', 'token', 'access_token'])

const parameter = /([?&])([^=&#]*)=([^&#]*)/g

/**
 * A parameter's name as the query parser reads it: decoded (`pass%77ord`, `+` for a space) and
 * without its brackets (`password[]`, `token[0]` reach the same field), in any case.
 */
function baseName (name: string): string {
  let decoded = name.replace(/\+/g, ' ')
  try {
    decoded = decodeURIComponent(decoded)
  } catch {}
  return decoded.split('[', 1)[0]?.trim().toLowerCase() ?? ''
}

export function redactUrlSecrets (url: string): string {
  return url.replace(parameter, (whole, separator: string, name: string) =>
    secretParameters.has(baseName(name)) ? `${separator}${name}=[redacted]` : whole)
}
