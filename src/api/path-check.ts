import path from 'node:path';

/**
 * What is wrong with a request's path that names something other than it reads as: an empty segment
 * (`//api/kpis`) or a `.` or `..` segment, written plainly, percent-encoded (`%2e%2e`) or hidden in an
 * encoded separator (`..%2f`, `..%5c`). The router matches paths as written, so such a path reached the
 * dashboard's static files, which refused it with a bare 403, or a route under another name; a proxy in
 * front might resolve it to yet another. Refused with a 400 naming the path to ask for instead.
 * Undefined for a path that is fine, and for one that does not decode (Fastify's own 400 says so).
 */
export function pathProblem(url: string): string | undefined {
  const end = url.indexOf('?');
  const raw = end < 0 ? url : url.slice(0, end);
  // Nearly every request: nothing that could make a dot segment or an empty one (checked on every request).
  if (!raw.includes('//') && !raw.includes('/.') && !raw.includes('%') && !raw.includes('\\')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const segments = decoded.split(/[/\\]/);
  const dots = segments.some((s) => s === '.' || s === '..');
  // A trailing slash is no empty segment (`/docs/`).
  const empty = segments.slice(1, -1).some((s) => s === '');
  if (!dots && !empty) return undefined;
  const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
  const meant = path.posix.normalize(decoded.replaceAll('\\', '/'));
  const what = dots ? '"." and ".." segments (plain or percent-encoded) are not resolved' : 'it has an empty segment (two slashes in a row)';
  return `invalid path ${shown}: ${what}; ask for the path itself, such as ${meant.startsWith('/') ? meant : `/${meant}`} (see /api for the endpoints)`;
}
