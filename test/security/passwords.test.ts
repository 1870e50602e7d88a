import t from 'tap'
import { decoyPasswordHash, hashPassword, passwordWeaknesses, verifyPassword } from '../../src/security/passwords.js'

t.test('a hashed password verifies', async (t) => {
  const stored = await hashPassword('correct horse 9 battery')
  t.equal(await verifyPassword('correct horse 9 battery', stored), true)
})

t.test('a wrong password does not verify', async (t) => {
  const stored = await hashPassword('correct horse 9 battery')
  t.equal(await verifyPassword('correct horse 9 batterY', stored), false)
  t.equal(await verifyPassword('', stored), false)
  t.equal(await verifyPassword('correct horse 9 battery ', stored), false)
})

t.test('the hash names scrypt and its cost, with a salt and a 64-byte key', async (t) => {
  const stored = await hashPassword('whatever-123')
  const [scheme, n, r, p, salt, key] = stored.split('$')
  t.equal(scheme, 'scrypt')
  t.same([n, r, p], ['16384', '8', '1'])
  t.equal(Buffer.from(salt ?? '', 'base64').length, 16)
  t.equal(Buffer.from(key ?? '', 'base64').length, 64)
  t.notMatch(stored, /whatever/)
})

t.test('the same password hashes differently each time, and both verify', async (t) => {
  const first = await hashPassword('same password 1')
  const second = await hashPassword('same password 1')
  t.not(first, second)
  t.equal(await verifyPassword('same password 1', first), true)
  t.equal(await verifyPassword('same password 1', second), true)
})

t.test('a password verifies whatever its Unicode normalization', async (t) => {
  const composed = 'caf\u00e9 cr\u00e8me 42'
  const decomposed = 'cafe\u0301 cre\u0300me 42'
  t.not(composed, decomposed)
  t.equal(await verifyPassword(decomposed, await hashPassword(composed)), true)
})

t.test('a malformed stored hash does not verify', async (t) => {
  const stored = await hashPassword('pw-for-malformed-1')
  const [, n, r, p, salt, key] = stored.split('$')
  const malformed = [
    '',
    'garbage',
    `bcrypt$${n}$${r}$${p}$${salt}$${key}`,
    `scrypt$${n}$${r}$${p}$${salt}`,
    `scrypt$${n}$${r}$${p}$${salt}$`,
    `scrypt$${n}$${r}$${p}$${salt}$${key?.slice(0, 20)}`
  ]
  for (const candidate of malformed) {
    t.equal(await verifyPassword('pw-for-malformed-1', candidate), false, JSON.stringify(candidate))
  }
})

t.test('a stored hash with unusable cost parameters does not verify, and does not throw', async (t) => {
  const stored = await hashPassword('pw-for-malformed-2')
  const [, , r, p, salt, key] = stored.split('$')
  for (const n of ['abc', '1000', '']) {
    const candidate = `scrypt$${n}$${r}$${p}$${salt}$${key}`
    t.equal(await verifyPassword('pw-for-malformed-2', candidate).catch((error: Error) => error.message), false,
      JSON.stringify(candidate))
  }
})

t.test('the decoy hash is a real hash, made once, that no ordinary password verifies against', async (t) => {
  t.equal(decoyPasswordHash(), decoyPasswordHash(), 'the same promise every time')
  t.match(await decoyPasswordHash(), /^scrypt\$16384\$8\$1\$/)
  t.equal(await verifyPassword('', await decoyPasswordHash()), false)
  t.equal(await verifyPassword('password', await decoyPasswordHash()), false)
})

t.test('a strong password has no weakness', async (t) => {
  t.same(passwordWeaknesses('correct-horse-9'), [])
  t.same(passwordWeaknesses('Tr0ub4dor&3xyz'), [])
})

t.test('a password shorter than 12 characters is too short', async (t) => {
  t.same(passwordWeaknesses('abcde-12345'), ['it must be at least 12 characters long'])
  t.same(passwordWeaknesses('abcdef-12345'), [])
})

t.test('a password with fewer than 6 different characters is refused', async (t) => {
  t.same(passwordWeaknesses('ababab121212'), ['it must use at least 6 different characters'])
  t.same(passwordWeaknesses('abcab12121212'), ['it must use at least 6 different characters'])
  t.same(passwordWeaknesses('abcdeab12121'), [])
})

t.test('a password of only letters or only non-letters is refused', async (t) => {
  t.same(passwordWeaknesses('abcdefghijkl'), ['it must mix letters with digits or symbols'])
  t.same(passwordWeaknesses('123456789012'), ['it must mix letters with digits or symbols'])
  t.same(passwordWeaknesses('!@#$%^&*()-+'), ['it must mix letters with digits or symbols'])
})

t.test('every weakness is listed', async (t) => {
  t.same(passwordWeaknesses('aaa'), [
    'it must be at least 12 characters long',
    'it must use at least 6 different characters',
    'it must mix letters with digits or symbols'
  ])
  t.equal(passwordWeaknesses('').length, 3)
})
