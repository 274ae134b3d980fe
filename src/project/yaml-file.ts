import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from '../vendor/zod.js';
import { columnName } from '../pipeline/csv-header.js';

import { closest } from './closest.js';

export { closest };
import { UserError } from '../errors.js';

/** A definition file's text; a folder where the file should be (`mkdir kpis/x.yml`) is said in one line. */
export function readDefinitionText(projectDir: string, rel: string): string {
  try {
    return readFileSync(path.join(projectDir, rel), 'utf8');
  } catch (err) {
    // Node's EISDIR from a read names no path: the file is named here.
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new UserError(`${rel} is a folder, not a file`, `remove or rename the folder ${path.join(projectDir, rel)}: the project reads ${rel} as a file`);
    throw err;
  }
}

/**
 * One definition file of a project, parsed with positions, so that every error can say
 * `datasets/flights.yml:7: ...`: the file (relative to the project), the line, the field and what
 * to write instead.
 */
export class DefinitionFile {
  private readonly lines = new LineCounter();
  readonly doc: Document.Parsed;

  constructor(
    readonly projectDir: string,
    /** Path inside the project, with forward slashes: `datasets/flights.yml`. */
    readonly rel: string,
    readonly text = readDefinitionText(projectDir, rel),
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const error = this.doc.errors[0];
    if (error) {
      // linePos is filled only with prettyErrors (which reformats the message): the line is read from pos.
      const line = error.linePos?.[0].line ?? this.lines.linePos(error.pos[0]).line;
      throw new UserError(`${rel}:${line}: not valid YAML: ${error.message.split('\n')[0]}`, 'check the indentation and quoting on that line (YAML: key: value, lists with "- ")');
    }
  }

  data(): unknown {
    return this.doc.toJS();
  }

  /** The value at a path of the document, as written. */
  valueAt(at: readonly PropertyKey[]): unknown {
    const node = this.doc.getIn(at as (string | number)[], true) as Node | undefined;
    return isScalar(node) ? node.value : node === undefined ? undefined : (node.toJSON() as unknown);
  }

  /** The line of a path: its value, or the nearest parent that exists; with `keyOf`, the line of key `keyOf` in the map at the path. */
  lineAt(at: readonly PropertyKey[], keyOf?: string): number {
    for (let n = at.length; n >= 0; n--) {
      const node = (n === 0 ? this.doc.contents : this.doc.getIn(at.slice(0, n) as (string | number)[], true)) as Node | null | undefined;
      if (!node) continue;
      if (keyOf !== undefined && n === at.length && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === keyOf);
        const range = (pair?.key as Node | undefined)?.range;
        if (range) return this.lines.linePos(range[0]).line;
      }
      if (node.range) return this.lines.linePos(node.range[0]).line;
    }
    return 1;
  }

  /** The first line of a text block's content (`sql: |` starts on the next line). */
  blockStartLine(at: readonly PropertyKey[]): number {
    const node = this.doc.getIn(at as (string | number)[], true) as Node | undefined;
    if (!isScalar(node) || !node.range) return this.lineAt(at);
    const line = this.lines.linePos(node.range[0]).line;
    return node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' ? line + 1 : line;
  }

  /** An error at a path: `datasets/x.yml:7: field "columns.a.type": ...`. */
  error(at: readonly PropertyKey[], message: string, hint?: string, keyOf?: string): UserError {
    const field = [...at, ...(keyOf !== undefined ? [keyOf] : [])].join('.');
    return new UserError(`${this.rel}:${this.lineAt(at, keyOf)}: ${field ? `field "${field}": ` : ''}${message}`, hint);
  }

  /** Validates the document (or `data`) against a schema; the first problem becomes a one-line error. */
  parse<S extends z.ZodType>(schema: S, data: unknown = this.data(), base: readonly PropertyKey[] = []): z.output<S> {
    const result = schema.safeParse(data ?? {}, { reportInput: true });
    if (result.success) return result.data;
    // An unknown key first: it usually explains a "missing" one (`colum:` for `column:`).
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0]!;
    throw this.describe(issue, [...base, ...issue.path], schema, issue.path);
  }

  private describe(issue: z.core.$ZodIssue, at: PropertyKey[], schema: z.ZodType, local: PropertyKey[]): UserError {
    const written = this.valueAt(at);
    // A shorthand (`id: int`) is checked in its long form: the value is then the one zod saw.
    const value = written === undefined && 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object' ? issue.input : written;
    const shown = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? 'nothing';
    switch (issue.code) {
      case 'unrecognized_keys': {
        const key = String(issue.keys[0]);
        const allowed = keysAt(schema, local);
        const close = closest(key, allowed);
        return this.error(at, `unknown key${close ? ` (did you mean "${close}"?)` : ''}`, allowed.length ? `the keys allowed here are: ${allowed.join(', ')}` : undefined, key);
      }
      case 'invalid_value': {
        const allowed = issue.values.map(String);
        const close = typeof value === 'string' ? closest(value, allowed) : undefined;
        return this.error(at, `${shown} is not allowed here${close ? ` (did you mean "${close}"?)` : ''}`, `write one of: ${allowed.join(', ')}`);
      }
      case 'invalid_type':
        if (value === undefined) return this.error(at.slice(0, -1), `"${String(at.at(-1))}" is missing`, `add ${String(at.at(-1))}: <${issue.expected}>`);
        return this.error(at, `${shown} is not ${article(issue.expected)}`);
      case 'invalid_key': {
        // A record's key (a column name such as `libellé`): the key's own rule says what is wrong.
        const key = String(at.at(-1));
        const why = issue.issues[0]?.message ?? issue.message;
        // The name init would give a header so written, which that header still fills in a dataset's files.
        const suggestion = columnName(key, 0);
        const header = this.rel.startsWith('datasets/') ? ` (a header "${key}" still fills it: headers match ignoring case, accents and punctuation)` : '';
        return this.error(at, `"${key}": ${why}`, `write ${suggestion}${header}`);
      }
      case 'invalid_union': {
        // One branch took the value's shape (a chart as an object, not a list): its first problem says what is wrong.
        const shaped = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
        const inner = shaped.length === 1 ? shaped[0]![0] : undefined;
        if (inner) return this.describe(inner, [...at, ...inner.path], schema, [...local, ...inner.path]);
        return this.error(at, value === undefined || typeof value === 'object' ? issue.message : `${shown}: ${issue.message}`);
      }
      case 'invalid_format':
      case 'custom':
        return this.error(at, value === undefined || typeof value === 'object' ? issue.message : `${shown}: ${issue.message}`);
      default:
        return this.error(at, issue.message);
    }
  }
}

/** The keys a strict object schema allows at a path (for "unknown key" messages). */
function keysAt(schema: z.ZodType, at: PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = (x as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown; out?: unknown; options?: unknown[] } } })._zod?.def;
      if (!def) return x;
      // A preprocessed schema (a column's shorthand `id: int`) is a pipe from a transform to the object.
      const transformed = (def.in as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def?.type === 'transform';
      if (def.type === 'pipe' && transformed) x = def.out;
      else if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'pipe') x = def.innerType ?? def.in;
      else if (def.type === 'union') x = def.options?.find((o) => (o as { _zod?: { def?: { type?: string } } })._zod?.def?.type === 'object') ?? def.options?.[0];
      else return x;
    }
    return x;
  };
  for (const part of at) {
    s = unwrap(s);
    const def = (s as { _zod: { def: { type: string; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown } } })._zod.def;
    if (def.type === 'object' && def.shape) s = def.shape[String(part)];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else return [];
    if (s === undefined) return [];
  }
  const def = (unwrap(s) as { _zod?: { def?: { type?: string; shape?: Record<string, unknown> } } })._zod?.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function article(expected: string): string {
  return ({ object: 'a map of key: value', array: 'a list', string: 'a text', number: 'a number', boolean: 'true or false' } as Record<string, string>)[expected] ?? `a ${expected}`;
}

/** A declared text: a plain string is the same in French and English. */
export const toLabel = (l: string | { fr: string; en: string }): { fr: string; en: string } => (typeof l === 'string' ? { fr: l, en: l } : l);

/** A value written as one item or a list of them, as a list. */
export const asList = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);

