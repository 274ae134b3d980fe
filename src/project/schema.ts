import { durationSeconds } from '../duration.js';
import { ENCODING_NAMES } from '../pipeline/csv-encoding.js';
import { EPOCH_FORMATS, formatProblem } from '../pipeline/epoch.js';
import { z } from '../vendor/zod.js';

/**
 * The files of a project folder, as a user writes them (snake_case keys). Each schema is strict: an
 * unknown key is an error that names the keys allowed, so a typo never goes unnoticed.
 * load.ts validates each file with these, then checks what spans files (columns named by rules,
 * references between datasets, models read by KPIs...).
 */

export const NAME = /^[a-z][a-z0-9_]*$/;
const name = (what: string) => z.string().regex(NAME, `${what} are snake_case (a-z, 0-9, _), starting with a letter`);
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const nameList = (what: string) => z.union([name(what), z.array(name(what)).min(1, 'must list at least one name')], { error: `a ${what.replace(/s$/, '')} or a list of them` });

export const Label = z.union([nonEmpty, z.strictObject({ fr: nonEmpty, en: nonEmpty })], { error: 'a text, or { fr: <text>, en: <text> }' });

export const SEVERITIES = ['error', 'warn', 'fatal'] as const;
const severity = z.enum(SEVERITIES);

export const PROJECT_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

export const ProjectFile = z.strictObject({
  name: z.string().regex(PROJECT_NAME, 'a short lowercase id (a-z, 0-9, -; 2 to 40 characters): it prefixes the buckets, database and queues; put the display name in title'),
  title: Label.optional(),
  description: z.string().optional(),
  dashboard: z
    .strictObject({
      tabs: z
        .array(
          z.strictObject({
            id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'tab ids are lowercase with dashes (they are the page address: #ca-pays)').optional(),
            title: Label,
            kpis: z.array(name('KPI ids')).min(1, 'a tab shows at least one KPI'),
          }),
        )
        .min(1, 'list at least one tab, or leave dashboard out for a tab per KPI'),
    })
    .optional(),
});

export const COLUMN_TYPES = ['integer', 'number', 'decimal', 'date', 'timestamp', 'text', 'boolean'] as const;

const ColumnObject = z.strictObject({
  type: z.enum(COLUMN_TYPES),
  required: z.boolean().optional(),
  description: z.string().optional(),
  allowed: z.array(z.coerce.string()).min(1).optional(),
  personal: z.boolean().optional(),
  format: z
    .union([nonEmpty, z.array(nonEmpty).min(1)], { error: `a strptime format such as "%m/%d/%Y", or a list of them; or ${EPOCH_FORMATS.join(' or ')} (Unix time)` })
    .superRefine((v, ctx) => {
      const formats = typeof v === 'string' ? [v] : v;
      formats.forEach((f, i) => {
        const problem = formatProblem(f, formats.length);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, path: typeof v === 'string' ? [] : [i], input: f });
      });
    })
    .optional(),
  scale: z.number().int().min(0).max(18).optional(),
  null_values: z.array(z.coerce.string()).optional(),
  header: nonEmpty.optional(),
  also: z.array(nonEmpty, { error: 'a list of the other headers the column has in the files, e.g. ["Created date (UTC)"]' }).min(1).optional(),
  excel_text: z.boolean({ error: 'true (values written as Excel formulas of text, ="0316769487" and ="", read as the text inside the quotes) or false' }).optional(),
  unit: z
    .string()
    .trim()
    .min(1, 'a unit is the text written around the numbers, such as "$", "€" or "%"')
    .regex(/^[^0-9]+$/, 'a unit has no digits: the text written around the numbers, such as "$", "€" or "%"')
    // The suffix of `52.34K` multiplies the number, where a unit is only taken off it: another key.
    .refine((u) => !/^magnitudes?$/i.test(u), 'a magnitude is no unit: for numbers written 52.34K, 1.23M or 2.10B, declare magnitudes: true on the column')
    .optional(),
  magnitudes: z.boolean({ error: 'true (numbers written with a magnitude after them, 52.34K, 1.23M, 2.10B, 1T: read as thousands, millions, billions, trillions) or false' }).optional(),
  flags: z.boolean({ error: 'true (a flag statistics offices write after a figure, "20,799.0 r", "490.3E", "12.3 p", "385,614 [p]", read without it) or false' }).optional(),
});
/** `price: number` is short for `price: { type: number }`. */
const Column = z.preprocess((v) => (typeof v === 'string' ? { type: v } : v), ColumnObject);

export const RULES = ['positive', 'maximum', 'allowed_values', 'date_range', 'not_empty', 'no_all_null_column'] as const;
const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
/** Each rule's own fields; `rule` picks the schema (see load.ts), so that messages name the right fields. */
export const RuleFields: Record<(typeof RULES)[number], z.ZodType> = {
  positive: z.strictObject({ rule: z.literal('positive'), column: name('column names'), severity: severity.default('error') }),
  maximum: z.strictObject({
    rule: z.literal('maximum'),
    column: name('column names'),
    max: z.number(),
    setting: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name in capitals, e.g. QUALITY_MAX_MONTANT').optional(),
    severity: severity.default('error'),
  }),
  allowed_values: z.strictObject({ rule: z.literal('allowed_values'), column: name('column names'), values: z.array(z.coerce.string()).min(1).optional(), severity: severity.default('error') }),
  date_range: z.strictObject({
    rule: z.literal('date_range'),
    column: name('column names'),
    not_before: dateText.optional(),
    not_in_future: z.boolean().default(false),
    severity: severity.default('error'),
  }),
  // A dataset rule cannot quarantine a row: it warns or fails the run.
  not_empty: z.strictObject({ rule: z.literal('not_empty'), severity: z.enum(['warn', 'fatal']).default('fatal') }),
  no_all_null_column: z.strictObject({ rule: z.literal('no_all_null_column'), severity: z.enum(['warn', 'fatal']).default('fatal') }),
};

// A bare number is refused too: 26 what?
const duration = z
  .custom<string>((v) => typeof v === 'string' && durationSeconds(v) !== undefined, 'not a duration: write a number and its unit, e.g. 30m, 26h, 2d or 1d12h (units s, m, h, d, w)')
  .refine((v) => durationSeconds(v)! > 0, 'must be longer than 0, e.g. 26h');

export const DatasetFile = z.strictObject({
  description: z.string().optional(),
  files: z.union([nonEmpty, z.array(nonEmpty).min(1)], { error: 'a file-name glob such as "flights*.csv", or a list of them' }).optional(),
  // Or up to four marks: MovieLens' `::` (DuckDB's reader takes a delimiter of up to four bytes).
  delimiter: z
    .string()
    .regex(/^(?:[^\r\n"]|[^\s"\w]{2,4})$/, 'one character, e.g. "," or ";" or "\\t", or up to four marks such as "::"')
    .optional(),
  encoding: z.enum(Object.keys(ENCODING_NAMES) as [string, ...string[]], { error: `one of ${Object.keys(ENCODING_NAMES).join(', ')}` }).optional(),
  quote: z.enum(['"', 'none'], { error: '" (values may be quoted, the default) or none (a " is a character like any other: IMDb\'s and many tab-separated exports)' }).optional(),
  escape: z.enum(['double_quote', 'backslash'], { error: 'double_quote ("" inside quotes, the CSV standard and the default) or backslash (\\" inside quotes, as MySQL writes; with quote: none, \\t, \\n and \\\\ in values, as PostgreSQL\'s text format writes)' }).optional(),
  decimal_separator: z.enum(['.', ','], { error: 'a dot "." (12.5, the default) or a comma "," (12,5 and 1.234,56)' }).optional(),
  header: z.boolean({ error: 'true (the first line after skip_lines names the columns, the default) or false (no header line: the fields are the declared columns, in order)' }).optional(),
  header_rows: z.union([z.literal(1), z.literal(2)], { error: '1 (the default) or 2 (two header lines, as SurveyMonkey exports write them: the questions, then their answers\' labels, which name the columns together)' }).optional(),
  skip_lines: z.number().int('a whole number of lines, e.g. 4').min(0, 'a number of lines, 0 or more').max(1000, 'at most 1000 lines before the header').optional(),
  key: nameList('column names').optional(),
  columns: z.record(name('column names'), Column).refine((c) => Object.keys(c).length > 0, 'declare at least one column'),
  references: z
    .array(
      z.strictObject({
        column: name('column names'),
        dataset: name('dataset names'),
        key: name('column names').optional(),
        severity: severity.default('error'),
      }),
    )
    .optional(),
  partition_by: z.strictObject({ column: name('column names'), grain: z.enum(['day', 'month', 'year']) }).optional(),
  rules: z.array(z.unknown()).optional(),
  total_row: z
    .union([name('column names'), z.strictObject({ column: name('column names'), labels: z.array(nonEmpty).min(1, 'list at least one label, or leave labels out').optional() })], {
      error: 'the column a total at the end of a file is labelled in (product), or { column: product, labels: ["All products"] } for labels other than Total, Grand total, Gesamt...',
    })
    .optional(),
  on_extra_columns: z.enum(['ignore', 'fail']).optional(),
  duplicates: z.enum(['drop', 'keep'], { error: 'drop (a row repeating another of its file exactly is dropped and counted, the default) or keep (it is a row: a statement\'s two identical charges)' }).optional(),
  on_missing_columns: z.enum(['quarantine_file', 'fail']).optional(),
  null_values: z.array(z.coerce.string()).optional(),
  /** How old the dataset's newest bronze file may be: past warn_after it is stale (warn), past error_after late (error). */
  freshness: z
    .strictObject({ warn_after: duration.optional(), error_after: duration.optional() })
    .refine((f) => f.warn_after !== undefined || f.error_after !== undefined, 'give warn_after, error_after or both, e.g. { warn_after: 26h, error_after: 50h }')
    .optional(),
});

export const ModelFile = z.strictObject({
  description: z.string().optional(),
  grain: z.string().optional(),
  partitioned_by: name('dataset names').optional(),
  tests: z
    .array(
      z.union(
        [
          z.strictObject({ unique: name('column names') }),
          z.strictObject({ not_null: name('column names') }),
          z.strictObject({ accepted_values: z.strictObject({ column: name('column names'), values: z.array(z.coerce.string()).min(1) }) }),
          z.strictObject({ row_count_change: z.strictObject({ max_pct: z.number().positive() }) }),
        ],
        { error: 'one of: { unique: <column> }, { not_null: <column> }, { accepted_values: { column, values } }, { row_count_change: { max_pct: 50 } }' },
      ),
    )
    .optional(),
});

export const KPI_COLUMN_TYPES = ['string', 'integer', 'number', 'date'] as const;
export const CHART_TYPES = ['bar', 'line', 'pie', 'table', 'cards', 'histogram'] as const;

const KpiColumnObject = z.strictObject({
  type: z.enum(KPI_COLUMN_TYPES),
  label: Label.optional(),
  description: z.string().optional(),
  unit: nonEmpty.optional(),
});
const KpiColumn = z.preprocess((v) => (typeof v === 'string' ? { type: v } : v), KpiColumnObject);
const Chart = z.strictObject({
  type: z.enum(CHART_TYPES),
  x: name('column names').optional(),
  y: z.union([name('column names'), z.array(name('column names'))], { error: 'a column or a list of columns' }).optional(),
});

export const KpiFile = z.strictObject({
  title: Label,
  description: z.string().optional(),
  sql: nonEmpty,
  columns: z.record(name('column names'), KpiColumn).refine((c) => Object.keys(c).length > 0, 'declare at least one column'),
  chart: z.union([Chart, z.array(Chart).min(1)], { error: '{ type: bar, x: <column>, y: [<column>...] }, or a list of them' }).optional(),
  filters: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'query parameter names are snake_case'), name('column names')).optional(),
  range: name('column names').optional(),
});
