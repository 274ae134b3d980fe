/**
 * The order in which files arriving together apply: by name, as bronze lists them, but a browser's
 * copy after the name it copies. A browser saves a download again as `export (1).csv` (Chrome, Edge,
 * Firefox; `export(1).csv` too), which sorts before `export.csv` (a space before the dot): the newer
 * download would apply first, and the older one's rows replace its rows of the same key.
 */

/**
 * A browser's copy number before the extension: ` (1)` or `(1)` to `(999)`. Four digits are a year
 * (`gdp (2023).csv`), and `-1` a name's own number (a part, a day), both left to the name's order.
 */
const COPY_MARK = /\s?\(([1-9][0-9]{0,2})\)(?=\.[^.()]*$)/;

/** The name without its copy mark, and the copy's number (0 for the name itself). */
function copyOf(name: string): { name: string; copy: number } {
  const m = COPY_MARK.exec(name);
  return m ? { name: name.slice(0, m.index) + name.slice(m.index + m[0].length), copy: Number(m[1]) } : { name, copy: 0 };
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Name order, a copy `export (n).csv` right after `export.csv` and by its number (`(2)` after `(1)`, `(10)` after `(9)`). */
export function sourceOrder(a: string, b: string): number {
  const [x, y] = [copyOf(a), copyOf(b)];
  return byCodeUnits(x.name, y.name) || x.copy - y.copy || byCodeUnits(a, b);
}
