import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, ValidatorOptions, validateSync } from 'class-validator';

/** The one set of validator options, used by the HTTP pipe and for values read from etcd. */
export const STRICT_VALIDATION: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
};

/** Flattens class-validator errors into "path message" lines, as Nest's ValidationPipe does. */
export function flattenValidationErrors(errors: ValidationError[], parentPath = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      lines.push(parentPath && !message.startsWith(path) ? `${parentPath}.${message}` : message);
    }
    if (error.children?.length) lines.push(...flattenValidationErrors(error.children, path));
  }
  return lines;
}

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
