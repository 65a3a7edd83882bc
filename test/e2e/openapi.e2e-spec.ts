import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Instance, startInstance } from '../support/app-instance';
import { useStack } from '../support/stack';

/**
 * The OpenAPI document is the contract the console is generated from (console/openapi.json →
 * openapi-typescript), so it must be complete: every route Nest serves under /api/v1, every
 * error status with the error body, patterns on every path parameter, If-Match where a write
 * needs it. The checked-in copy must equal what the service serves (UPDATE_OPENAPI=1 rewrites
 * it); console/scripts/check-openapi.mjs validates it against the OpenAPI schema.
 */
const CHECKED_IN = join(__dirname, '../../console/openapi.json');

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Json }[];
  responses: Record<string, { content?: Record<string, { schema?: Json }>; headers?: Json }>;
  security?: Json[];
  requestBody?: Json;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

/** What Express routes Nest registered: [METHOD, /openapi/{style}] pairs. */
function servedRoutes(rc: Instance): string[] {
  const express = rc.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods).map(
        (method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z]+)/g, '{$1}')}`,
      ),
    );
}

const refsIn = (value: unknown): string[] =>
  typeof value !== 'object' || value === null
    ? []
    : Object.entries(value).flatMap(([k, v]) =>
        k === '$ref' && typeof v === 'string' ? [v] : refsIn(v),
      );

describe('OpenAPI document', () => {
  const stack = useStack();
  let rc: Instance;
  let doc: Document;

  beforeAll(async () => {
    rc = await startInstance(stack.etcd.endpoint, stack.redis.url);
    doc = (await rc.http().get('/api/docs-json').expect(200)).body as Document;
  });
  afterAll(() => rc?.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        id: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );

  it('documents every route Nest serves under /api/v1, and nothing else', () => {
    const served = servedRoutes(rc).filter((r) => r.split(' ')[1].startsWith('/api/v1/'));
    const documented = operations().map((o) => o.id);
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(documented.sort()).toEqual([...new Set(served)].sort());
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /api/v1/schedule',
        'GET /api/v1/schedule/transitions',
        'GET /api/v1/traffic',
        'POST /api/v1/audit/{id}/restore',
      ]),
    );
  });

  it('describes bearer tokens as opaque tokens, not JWTs, on every operation', () => {
    const scheme = doc.components.securitySchemes.bearer;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(scheme.bearerFormat).toBe('opaque');
    expect(String(scheme.description)).toMatch(/opaque/i);
    for (const { id, op } of operations())
      expect([id, op.security]).toEqual([id, [{ bearer: [] }]]);
  });

  it('gives every operation a success schema and every error status the error body', () => {
    for (const { id, op } of operations()) {
      const statuses = Object.keys(op.responses);
      expect([id, statuses]).toEqual([id, expect.arrayContaining(['401', '403', '429'])]);
      const success = statuses.filter((s) => s.startsWith('2'));
      expect([id, success.length]).toEqual([id, 1]);
      if (success[0] !== '204')
        expect([id, refsIn(op.responses[success[0]])]).toEqual([id, [expect.any(String)]]);
      for (const status of statuses.filter((s) => Number(s) >= 400))
        expect([id, status, refsIn(op.responses[status])]).toEqual([
          id,
          status,
          ['#/components/schemas/ErrorBodyDto'],
        ]);
    }
  });

  it('puts a pattern on every path parameter and If-Match on every replace', () => {
    for (const { id, op } of operations()) {
      for (const p of (op.parameters ?? []).filter((x) => x.in === 'path'))
        expect([id, p.name, typeof p.schema?.pattern]).toEqual([id, p.name, 'string']);
      const ifMatch = op.parameters?.find((p) => p.in === 'header' && p.name === 'If-Match');
      if (id.startsWith('PUT ') || id.endsWith('/restore'))
        expect([id, ifMatch?.required]).toEqual([id, true]);
      if (op.responses['409'] && (id.startsWith('PUT ') || id.startsWith('DELETE ')))
        expect([id, ifMatch?.schema?.pattern]).toEqual([id, expect.any(String)]);
    }
    const get = doc.paths['/api/v1/rules/{department}/{grade}/{window}'].get;
    expect(get.responses['200'].headers).toHaveProperty('ETag');
  });

  it('documents the fields and constraints of request bodies and queries', () => {
    const rateLimit = doc.components.schemas.RateLimitDto as {
      properties: Record<string, Json>;
      required: string[];
    };
    expect(rateLimit.required).toEqual(['qps']);
    expect(rateLimit.properties.qps).toMatchObject({ minimum: 0.001 });
    expect(rateLimit.properties.algorithm).toMatchObject({
      enum: expect.arrayContaining(['token_bucket']),
    });
    const list = doc.paths['/api/v1/rules'].get.parameters ?? [];
    expect(list.find((p) => p.name === 'department')?.schema).toHaveProperty('pattern');
    const traffic = doc.paths['/api/v1/traffic'].get.parameters ?? [];
    expect(traffic.find((p) => p.name === 'seconds')?.schema).toMatchObject({ maximum: 900 });
  });

  it('resolves every $ref', () => {
    for (const ref of refsIn(doc)) {
      const name = ref.replace('#/components/schemas/', '');
      expect([ref, name in doc.components.schemas]).toEqual([ref, true]);
    }
  });

  it('is the document checked in for the console (UPDATE_OPENAPI=1 rewrites it)', () => {
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(CHECKED_IN, text);
    expect(existsSync(CHECKED_IN)).toBe(true);
    expect(JSON.parse(readFileSync(CHECKED_IN, 'utf8'))).toEqual(doc);
  });
});
