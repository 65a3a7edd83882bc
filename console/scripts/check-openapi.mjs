// Validates the OpenAPI document the console is generated from against the OpenAPI 3 schema
// (and resolves every $ref). The server's own test (test/e2e/openapi.e2e-spec.ts) checks that
// this file is what the service serves and that every route is in it.
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2] ?? 'openapi.json';
try {
  const api = await SwaggerParser.validate(file);
  const operations = Object.values(api.paths).flatMap((p) => Object.keys(p)).length;
  console.log(
    `openapi: ${file} is a valid OpenAPI ${api.openapi} document (${operations} operations)`,
  );
} catch (error) {
  console.error(`openapi: ${file} is not valid: ${error.message}`);
  process.exit(1);
}
