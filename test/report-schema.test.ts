import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { packageRoot } from '../shared/paths.js';
import { reportSchema } from '../services/rollup/report/model.js';

const PUBLISHED = join(packageRoot, 'docs', 'report.schema.json');

/** The report's JSON Schema as published: generated from the zod model the reporter validates against. */
function generated(): string {
  const schema = { $id: 'urn:sluice:sla-report:1', title: 'Sluice monthly SLA report', ...z.toJSONSchema(reportSchema) };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

describe('the published report schema', () => {
  it('is the one the code validates against (UPDATE_REPORT_SCHEMA=1 rewrites it)', () => {
    if (process.env.UPDATE_REPORT_SCHEMA === '1') writeFileSync(PUBLISHED, generated());
    expect(readFileSync(PUBLISHED, 'utf8')).toBe(generated());
  });
});
