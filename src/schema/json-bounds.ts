/**
 * Size and shape bounds checked before any validation library walks a value: class-transformer
 * and class-validator recurse (a value nested 5,000 deep overflows the stack) and some checks are
 * quadratic, so a hostile value must be refused by cheap, iterative checks first. Every document
 * this service accepts (rules, windows, imports, overrides) fits well inside these bounds.
 */
export const JSON_BOUNDS = {
  /** Objects and arrays inside each other; the deepest real document (an import) uses 4. */
  maxDepth: 8,
  /** Items in one array (an import holds at most 10,000 rules). */
  maxArrayItems: 10_000,
  /** Keys of one object. */
  maxObjectKeys: 200,
  /** Characters of one string. */
  maxStringLength: 10_000,
  /** Bytes of one value stored in etcd (a rule or window is a few KB at most). */
  maxStoredBytes: 64 * 1024,
} as const;

/** Nesting depth of a JSON text, counted without parsing it; undefined when within `maxDepth`. */
export function jsonTextDepthProblem(
  text: string,
  maxDepth = JSON_BOUNDS.maxDepth,
): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return `value nests objects or arrays more than ${maxDepth} deep`;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/**
 * The first bound a parsed value breaks, named by its path, or undefined. Iterative (no
 * recursion) and linear in the size of the value.
 */
export function jsonShapeProblem(value: unknown, bounds = JSON_BOUNDS): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length) {
    const { value: v, path, depth } = stack.pop()!;
    const where = path || 'the body';
    if (typeof v === 'string') {
      if (v.length > bounds.maxStringLength)
        return `${where} must be at most ${bounds.maxStringLength} characters`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= bounds.maxDepth)
      return `${where} nests objects or arrays more than ${bounds.maxDepth} deep`;
    if (Array.isArray(v)) {
      if (v.length > bounds.maxArrayItems)
        return `${where} must hold at most ${bounds.maxArrayItems} items; got ${v.length}`;
      v.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > bounds.maxObjectKeys)
      return `${where} must have at most ${bounds.maxObjectKeys} fields; got ${keys.length}`;
    for (const key of keys) {
      const child = (v as Record<string, unknown>)[key];
      stack.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return undefined;
}
