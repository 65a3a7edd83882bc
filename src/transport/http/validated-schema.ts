import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';

type Class = abstract new (...args: never[]) => unknown;
type Schema = Record<string, unknown>;

interface Constraint {
  name?: string;
  type: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/**
 * The OpenAPI schema of one request DTO field, read from its class-validator decorators: the
 * validation is the documentation, so the two cannot drift, and no compiler plugin is needed
 * (the document is the same under ts-node, ts-jest and `nest build`).
 */
function propertyOptions(rules: Constraint[], nested?: Class): ApiPropertyOptions {
  const own: Schema = {};
  const items: Schema = {};
  let optional = false;
  let array = false;
  for (const rule of rules) {
    if (rule.type === 'conditionalValidation') optional = true;
    if (rule.type !== 'customValidation') continue;
    // `each: true` constrains the items of an array, not the array.
    const target = rule.each ? items : own;
    const [first, second] = rule.constraints ?? [];
    switch (rule.name) {
      case 'isArray':
        array = true;
        break;
      case 'isString':
      case 'isISO8601':
        target.type = 'string';
        if (rule.name === 'isISO8601') target.format = 'date-time';
        break;
      case 'isNumber':
        target.type = 'number';
        break;
      case 'isInt':
        target.type = 'integer';
        break;
      case 'isBoolean':
        target.type = 'boolean';
        break;
      case 'isIn':
        target.enum = first;
        target.type ??= typeof (first as unknown[])[0];
        break;
      case 'matches':
        target.type ??= 'string';
        target.pattern = (
          first instanceof RegExp ? first : new RegExp(String(first), String(second ?? ''))
        ).source;
        break;
      case 'min':
        target.minimum = first;
        break;
      case 'max':
        target.maximum = first;
        break;
      case 'maxLength':
        target.maxLength = first;
        break;
      case 'arrayMaxSize':
        own.maxItems = first;
        break;
      case 'uniqueItems':
        own.uniqueItems = true;
        break;
    }
  }
  const required = !optional;
  if (nested)
    return (
      array
        ? { required, ...own, type: () => nested, isArray: true }
        : { required, type: () => nested }
    ) as ApiPropertyOptions;
  if (array || Object.keys(items).length)
    return { required, ...own, type: 'array', items } as ApiPropertyOptions;
  return { required, ...own } as ApiPropertyOptions;
}

const documented = new WeakSet<Class>();

/** Puts @ApiProperty on every validated field of the classes (and the classes they nest). */
export function documentValidatedClasses(classes: Class[]): void {
  const storage = getMetadataStorage();
  const queue = [...classes];
  while (queue.length) {
    const target = queue.pop()!;
    if (documented.has(target)) continue;
    documented.add(target);
    const all = storage.getTargetValidationMetadatas(
      target as never,
      '',
      true,
      false,
    ) as Constraint[];
    const byProperty = new Map<string, Constraint[]>();
    for (const rule of all)
      byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
    for (const [property, rules] of byProperty) {
      const typeMeta = defaultMetadataStorage.findTypeMetadata(target, property);
      const nestedType = rules.some((r) => r.type === 'nestedValidation')
        ? (typeMeta?.typeFunction() as Class)
        : undefined;
      if (nestedType) queue.push(nestedType);
      const options = propertyOptions(rules, nestedType);
      ApiProperty(options)(target.prototype as object, property);
    }
  }
}
