import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { validationFailed } from '../../domain/errors';
import { jsonShapeProblem } from '../../schema/json-bounds';
import { flattenValidationErrors } from '../../schema/validate';

/**
 * Nest's ValidationPipe behind cheap, iterative bounds: class-transformer and class-validator
 * recurse into whatever arrives, so a body nested thousands deep overflowed the stack (a 500) and
 * huge arrays cost seconds. Bodies and queries outside JSON_BOUNDS get a 400 naming the place.
 */
export class BoundedValidationPipe extends ValidationPipe {
  constructor(options: ValidationPipeOptions) {
    // The same lines, and the same VALIDATION_FAILED code, as a value read back from etcd.
    super({
      ...options,
      exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = jsonShapeProblem(value);
      if (problem) throw validationFailed([problem]);
    }
    return super.transform(value, metadata);
  }
}
