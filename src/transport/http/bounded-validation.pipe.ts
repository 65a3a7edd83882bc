import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { validationFailed } from '../../domain/errors';
import { jsonShapeProblem } from '../../schema/json-bounds';

/**
 * Nest's ValidationPipe behind cheap, iterative bounds: class-transformer and class-validator
 * recurse into whatever arrives, so a body nested thousands deep overflowed the stack (a 500) and
 * huge arrays cost seconds. Bodies and queries outside JSON_BOUNDS get a 400 naming the place.
 */
export class BoundedValidationPipe extends ValidationPipe {
  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = jsonShapeProblem(value);
      if (problem) throw validationFailed([problem]);
    }
    return super.transform(value, metadata);
  }
}
