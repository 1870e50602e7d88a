/** A request id a client or proxy may choose: short, and nothing that could forge a log line or a header. */
const acceptableRequestId = /^[A-Za-z0-9._:=+/-]{1,128}$/

/** The incoming `X-Request-Id` when it is acceptable, otherwise undefined (the caller makes one up). */
export function acceptedRequestId (header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && acceptableRequestId.test(header) ? header : undefined
}
