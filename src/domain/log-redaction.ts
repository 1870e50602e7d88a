/** Query parameters whose values never reach a log: the PHP SDK logs in with credentials in the URL. */
const secretParameter = /([?&](?:password|password_confirmation|token|access_token)=)[^&#]*/gi

export function redactUrlSecrets (url: string): string {
  return url.replace(secretParameter, '$1[redacted]')
}
