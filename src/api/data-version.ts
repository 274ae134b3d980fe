import { listVersions, readVersion, type Bucket, type LakeVersion, type ObjectStore } from '../lake/index.js';
import type { DataVersion } from '../serving/index.js';

/**
 * Which version of the lake the numbers of an answer come from, said by the same three headers on
 * every answer that serves numbers: KPIs, the comparison, the explorer's previews and downloads.
 */

/** The headers, as the OpenAPI document declares them. */
export const VERSION_HEADERS = {
  'X-Data-Version': { type: 'integer', description: 'the lake version the rows come from (see /api/versions)' },
  'X-Data-Committed-At': { type: 'string', format: 'date-time', description: 'when that version was committed' },
  'X-Data-Audit': { type: 'string', enum: ['passed', 'approved'], description: 'passed, or approved after a failed audit' },
};

/** The headers of an answer from that version; none when it has none (a publish from before versions, a source file). */
export function versionHeaders(data: DataVersion | undefined): Record<string, string> {
  return data ? { 'x-data-version': String(data.version), 'x-data-committed-at': data.committedAt, 'x-data-audit': data.audit } : {};
}

export function dataVersionOf(version: LakeVersion): DataVersion {
  return { version: version.version, committedAt: version.committedAt, audit: version.audit };
}

/**
 * The newest committed version holding an object of bronze, silver or gold: the current one for what the
 * explorer lists, an older one for an object a later version replaced (read only then, newest first).
 * Undefined for the other buckets, a lake from before versions, and an object no version holds (a
 * staged version's, an orphan a vacuum will delete).
 */
export async function versionHolding(lake: ObjectStore, bucket: Bucket, key: string): Promise<DataVersion | undefined> {
  if (bucket !== 'bronze' && bucket !== 'silver' && bucket !== 'gold') return undefined;
  const holds = (v: LakeVersion | undefined) => v !== undefined && Object.values(v.tables).some((t) => t.bucket === bucket && t.objects.includes(key));
  for (const n of (await listVersions(lake)).reverse()) {
    const v = await readVersion(lake, n);
    if (holds(v)) return dataVersionOf(v!);
  }
  return undefined;
}
