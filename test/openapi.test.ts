import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/api/server.js';
import { tempConfig } from './support/env.js';

type Operation = { operationId?: string; security?: unknown[]; responses?: Record<string, unknown> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

/** The document a client generator reads: every operation named, its key needs and its answers declared. */
describe('the OpenAPI document', () => {
  let app: FastifyInstance;
  let doc: Document;
  let dir: string;

  before(async () => {
    const temp = await tempConfig();
    dir = temp.dir;
    app = await createApp(temp.config);
    await app.ready();
    doc = app.swagger() as unknown as Document;
  });
  after(async () => {
    await app.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).filter(([m]) => ['get', 'post'].includes(m)).map(([method, op]) => ({ path, method, op })));

  it('names every operation once, declares its security and its success and error answers', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.operationId, `${where}: operationId`);
      assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} used twice`);
      ids.add(op.operationId);
      assert.ok(Array.isArray(op.security), `${where}: security`);
      const codes = Object.keys(op.responses ?? {});
      assert.ok(codes.some((c) => c.startsWith('2')), `${where}: no success response declared (${codes.join(', ')})`);
      assert.ok(codes.some((c) => c.startsWith('4')), `${where}: no 4xx response declared (${codes.join(', ')})`);
    }
    assert.ok(ids.size >= 17, `only ${ids.size} operations`);
  });

  it('refers to named components for the shared bodies', () => {
    for (const name of ['Error', 'Run', 'KpiMeta', 'Project', 'QualityReport', 'Preview']) assert.ok(doc.components.schemas[name], name);
    const run = doc.paths['/api/runs/{id}']!['get']!.responses!['200'] as { content: Record<string, { schema: { $ref: string } }> };
    assert.equal(run.content['application/json']!.schema.$ref, '#/components/schemas/Run');
  });

  it('is what the dashboard types were generated from (run `npm run openapi` after changing a schema)', async () => {
    const committed = await fs.readFile(new URL('../dashboard/src/api-types.ts', import.meta.url), 'utf8');
    const generated = astToString(await openapiTS(doc as never));
    // The committed file carries the generator's header; the types below it must be the same.
    const body = (text: string) => text.slice(text.indexOf('export interface paths')).trim();
    assert.equal(body(generated), body(committed));
  });
});
