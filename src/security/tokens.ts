import { hash, randomBytes } from 'node:crypto'

const TOKEN_BYTES = 32

/** A bearer token: 32 random bytes, base64url. Shown to the client once, never stored. */
export function generateToken (): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

/** What the database keeps of a token: its SHA-256, hex. */
export function hashToken (token: string): string {
  return hash('sha256', token, 'hex')
}
