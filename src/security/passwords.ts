import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_LENGTH = 64
const SALT_BYTES = 16
const COST: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>> = { N: 16384, r: 8, p: 1 }

function derive (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => {
      if (error) reject(error)
      else resolve(key)
    })
  })
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64: the cost travels with the hash. */
export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$')
}

/** False for a wrong password, and for a stored hash this code cannot read. */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  const costs = [n, r, p]
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined || !costs.every((cost) => /^[1-9][0-9]*$/.test(cost ?? ''))) {
    return false
  }
  const expected = Buffer.from(hash, 'base64')
  let key: Buffer
  try {
    key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) })
  } catch {
    return false
  }
  return key.length === expected.length && timingSafeEqual(key, expected)
}

let decoy: Promise<string> | undefined

/**
 * Verified against when the email is unknown, so that a login costs the same
 * time whether or not the account exists. Made once per process; the login route
 * makes it at start-up, or the first unknown email would cost a second derivation.
 */
export function decoyPasswordHash (): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'))
  return decoy
}

/** Reasons a password is refused, in words for the command line; empty when acceptable. */
export function passwordWeaknesses (password: string): string[] {
  const weaknesses: string[] = []
  if (password.length < 12) weaknesses.push('it must be at least 12 characters long')
  if (new Set(password).size < 6) weaknesses.push('it must use at least 6 different characters')
  if (!/[a-zA-Z]/.test(password) || !/[^a-zA-Z]/.test(password)) {
    weaknesses.push('it must mix letters with digits or symbols')
  }
  return weaknesses
}
