import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, ValidatorOptions, validateSync } from 'class-validator';

/** The one set of validator options, used by the HTTP pipe and for values read from etcd. */
export const STRICT_VALIDATION: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
};

/**
 * Flattens class-validator errors into "path message" lines, as Nest's ValidationPipe does: one
 * line per field ("qps": "5" is not a number — not also "too small" and "too large"), the type
 * problem first, and an unknown field named by its path ("limit.bar is not a known field").
 */
export function flattenValidationErrors(errors: ValidationError[], parentPath = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    // A field's type is what matters first: range checks on a string say nothing useful.
    const typeFirst = Object.keys(constraints).sort((a, b) => rank(a) - rank(b));
    for (const name of typeFirst) {
      if (name === 'whitelistValidation') {
        lines.push(`${path} is not a known field`);
        continue;
      }
      const message = constraints[name];
      lines.push(parentPath && !message.startsWith(path) ? `${parentPath}.${message}` : message);
      break;
    }
    if (error.children?.length) lines.push(...flattenValidationErrors(error.children, path));
  }
  return lines;
}

const TYPE_CHECKS = new Set(['isNumber', 'isInt', 'isString', 'isBoolean', 'isArray', 'isDefined']);
const SIZE_CHECKS = new Set(['arrayMaxSize', 'arrayMinSize', 'maxLength', 'minLength']);
/** Which problem of a field to name: its type, then its size, then the rest. */
const rank = (constraint: string): number =>
  TYPE_CHECKS.has(constraint) ? 0 : SIZE_CHECKS.has(constraint) ? 1 : 2;

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Validates an untrusted plain value (e.g. JSON read from etcd) against a DTO class. */
export function validatePlain<T extends object>(
  cls: ClassConstructor<T>,
  plain: unknown,
): Validated<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, problems: ['value must be a JSON object'] };
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, STRICT_VALIDATION);
  return errors.length
    ? { ok: false, problems: flattenValidationErrors(errors) }
    : { ok: true, value: instance };
}
