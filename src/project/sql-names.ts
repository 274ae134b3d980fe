/**
 * The names a SQL text may refer to: its identifiers, lower-cased, with comments and string literals
 * left out. Enough to know which datasets and models a model reads, so that models build in order;
 * a name that only looks like a reference (a CTE called like a model) just orders the build.
 */
export function sqlNames(sql: string): string[] {
  const names = new Set<string>();
  const re = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)/g;
  for (const m of sql.matchAll(re)) {
    const name = m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2];
    if (name !== undefined) names.add(name.toLowerCase());
  }
  return [...names];
}
