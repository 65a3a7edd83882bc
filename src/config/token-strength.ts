/**
 * The least a bearer token must look like before the service accepts it at boot. A right token is
 * always accepted whatever failed before it from the same address (so nobody can lock the admins
 * out), which means the failed-login limiter cannot be what stops guessing: the token's length
 * and randomness are. 128 bits at a billion guesses a second is ~10^22 years.
 *
 * This is a guard against obviously weak values (short, one repeated pattern, few symbols), not a
 * proof of randomness: generate tokens with `openssl rand -hex 32`.
 */
export const MIN_TOKEN_LENGTH = 32;
export const MIN_TOKEN_BITS = 128;
const MIN_DISTINCT = 8;

const CLASSES: [RegExp, number][] = [
  [/[a-z]/, 26],
  [/[A-Z]/, 26],
  [/[0-9]/, 10],
  [/[^A-Za-z0-9]/, 32],
];

/** An upper bound of the token's entropy if its characters were drawn at random from the classes it uses. */
export function estimatedBits(token: string): number {
  const alphabet = CLASSES.reduce((n, [re, size]) => (re.test(token) ? n + size : n), 0);
  return alphabet > 1 ? Math.floor(token.length * Math.log2(alphabet)) : 0;
}

/** Why the token is too weak, or undefined when it is acceptable. */
export function tokenWeakness(token: string): string | undefined {
  if (!/^[\x21-\x7e]*$/.test(token) || token.includes(','))
    return 'token must be printable ASCII without spaces or commas';
  if (token.length < MIN_TOKEN_LENGTH)
    return `token is ${token.length} characters; at least ${MIN_TOKEN_LENGTH} random characters are required`;
  const distinct = new Set(token).size;
  if (distinct < MIN_DISTINCT)
    return `token uses only ${distinct} different characters; it does not look random`;
  const bits = estimatedBits(token);
  if (bits < MIN_TOKEN_BITS)
    return `token carries at most ${bits} bits; at least ${MIN_TOKEN_BITS} are required (use more characters or more kinds of characters)`;
  return undefined;
}

export const TOKEN_ADVICE = 'generate one with: openssl rand -hex 32';
