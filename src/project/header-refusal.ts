import { UserError } from '../errors.js';

/**
 * Eurostat's TSV layout (its bulk downloads, `estat_*.tsv`): the dimensions joined by commas in the
 * first field, `geo\TIME_PERIOD` (`geo\time` before 2023) ending its header, then one tab-separated
 * column per period whose values carry flags (`12.3 p`, `: c`). Read as a CSV it is one column of
 * commas and tabs; the same figures come one per row from Eurostat as SDMX-CSV.
 */
const EUROSTAT_TSV = /(^|,)[\w-]+\\(TIME_PERIOD|time)(\s|$)/i;

/** Throws the one line refusing a header init cannot type a file by. */
export function refuseHeader(name: string, headers: readonly string[]): void {
  if (headers.length === 1 && headers[0] === '') throw new UserError(`${name} has no header line: its lines are blank`, 'a CSV file needs a header line naming its columns');
  if (headers.some((h) => EUROSTAT_TSV.test(h))) {
    throw new UserError(
      `${name} is in Eurostat's TSV layout (the dimensions joined by commas in the first column, a column per period, figures with flags such as "12.3 p"), not a table of one value per field`,
      "download the dataset as SDMX-CSV instead (Eurostat's data browser: Download › SDMX-CSV; its API: ?format=SDMX-CSV): one row per figure, its dimensions, TIME_PERIOD, OBS_VALUE and OBS_FLAG each in a column",
    );
  }
}
