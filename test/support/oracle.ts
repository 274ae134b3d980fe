import { cents, readSimpleCsv } from './csv.js';

/**
 * KPI values computed straight from clean source CSVs with plain JavaScript and integer cents: an
 * oracle that shares nothing with the SQL it checks.
 */
export interface Oracle {
  caParPays: Map<string, { nb: number; cents: number }>;
  jours: Map<string, { nb: number; cents: number }>;
  semaines: Map<string, { nb: number; cents: number }>;
  mois: Map<string, { nb: number; cents: number }>;
  montants: number[];
}

function add(map: Map<string, { nb: number; cents: number }>, key: string, c: number) {
  const e = map.get(key) ?? { nb: 0, cents: 0 };
  e.nb++;
  e.cents += c;
  map.set(key, e);
}

export function mondayOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const offset = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
}

export async function computeOracle(clientsCsv: string, achatsCsv: string): Promise<Oracle> {
  const pays = new Map((await readSimpleCsv(clientsCsv)).map((c) => [c['id_client']!, c['pays']!]));
  const o: Oracle = { caParPays: new Map(), jours: new Map(), semaines: new Map(), mois: new Map(), montants: [] };
  for (const a of await readSimpleCsv(achatsCsv)) {
    const c = cents(a['montant']!);
    const day = a['date_achat']!.slice(0, 10);
    add(o.caParPays, pays.get(a['id_client']!)!, c);
    add(o.jours, day, c);
    add(o.semaines, mondayOf(day), c);
    add(o.mois, day.slice(0, 7), c);
    o.montants.push(c);
  }
  return o;
}

export function distribution(montantsCents: number[]) {
  const v = [...montantsCents].sort((a, b) => a - b).map((c) => c / 100);
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const median = n % 2 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  const variance = v.reduce((acc, x) => acc + (x - mean) ** 2, 0) / (n - 1);
  return { nb_achats: n, montant_moyen: mean, montant_median: median, montant_min: v[0]!, montant_max: v[n - 1]!, ecart_type: Math.sqrt(variance) };
}
