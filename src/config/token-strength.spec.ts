import { randomBytes } from 'node:crypto';
import { estimatedBits, tokenWeakness } from './token-strength';

describe('token strength', () => {
  it('accepts generated tokens of 32 characters and more', () => {
    for (let i = 0; i < 200; i++) {
      expect(tokenWeakness(randomBytes(16).toString('hex'))).toBeUndefined();
      expect(tokenWeakness(randomBytes(32).toString('base64url'))).toBeUndefined();
    }
  });

  it.each([
    ['dev-admin-token', /15 characters; at least 32/],
    ['admin-token-test', /16 characters/],
    ['a'.repeat(40), /only 1 different characters/],
    ['abababababababababababababababab', /only 2 different/],
    ['12345678901234567890123456789012', /at most 106 bits; at least 128/],
    ['has a space in it but is long enough', /printable ASCII without spaces/],
    ['comma,separated-is-the-list-separator-0123', /without spaces or commas/],
  ])('refuses %j', (token, reason) => {
    expect(tokenWeakness(token)).toMatch(reason);
  });

  it('estimates bits from the character classes used', () => {
    expect(estimatedBits('0123456789abcdef0123456789abcdef')).toBe(165);
    expect(estimatedBits('')).toBe(0);
  });
});
