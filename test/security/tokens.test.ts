import t from 'tap'
import { generateToken, hashToken } from '../../src/security/tokens.js'

t.test('a token is 32 random bytes written as 43 base64url characters', async (t) => {
  const token = generateToken()
  t.match(token, /^[A-Za-z0-9_-]{43}$/)
  t.equal(Buffer.from(token, 'base64url').length, 32)
  t.equal(Buffer.from(token, 'base64url').toString('base64url'), token)
})

t.test('every token is different', async (t) => {
  const tokens = new Set(Array.from({ length: 1000 }, () => generateToken()))
  t.equal(tokens.size, 1000)
})

t.test('a token is stored as its SHA-256 in hex', async (t) => {
  t.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  t.match(hashToken(generateToken()), /^[0-9a-f]{64}$/)
})

t.test('the hash of a token is always the same, and differs between tokens', async (t) => {
  const token = generateToken()
  t.equal(hashToken(token), hashToken(token))
  t.not(hashToken(token), hashToken(generateToken()))
  t.not(hashToken(token), token)
})
