import fs from 'node:fs/promises';

/**
 * A deliberately naive CSV reader for test oracles: the generator's clean output has no quotes or
 * embedded commas, so splitting lines is enough and shares no code with the pipeline.
 */
export async function readSimpleCsv(file: string): Promise<Record<string, string>[]> {
  const text = await fs.readFile(file, 'utf8');
  const [head, ...lines] = text.split('\n').filter((l) => l.length > 0);
  const cols = head!.split(',');
  return lines.map((l) => {
    const values = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, values[i]!]));
  });
}

/** Euros with two decimals to integer cents, so sums are exact. */
export const cents = (value: string) => Math.round(Number(value) * 100);
