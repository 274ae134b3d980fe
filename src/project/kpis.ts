import { UserError } from '../errors.js';
import type { Kpi, Project } from './types.js';

/** A KPI by id (or serving-store table name), or a one-line error listing the project's KPIs. */
export function findKpi(project: Project, id: string): Kpi {
  const kpi = project.kpis.find((k) => k.id === id || k.table === id);
  if (!kpi) throw new UserError(`unknown KPI "${id}"`, `the KPIs of ${project.name}: ${project.kpis.map((k) => k.id).join(', ')}`);
  return kpi;
}

/** A KPI's declared columns as the serving store records a publish's (`name:type`), in order. */
export function declaredColumns(kpi: Kpi): string[] {
  return Object.entries(kpi.columns).map(([name, c]) => `${name}:${c.type}`);
}

/**
 * Why a KPI declared now with other columns than its last publish (its file changed, no run since) is
 * not answered: its stored rows are not what the declaration promises. Undefined when they agree;
 * a run publishes it anew.
 */
export function kpiChangedSince(kpi: Kpi, stored: readonly string[] | undefined): string | undefined {
  const declared = declaredColumns(kpi);
  if (!stored || stored.join() === declared.join()) return undefined;
  const names = (columns: readonly string[]) => columns.map((c) => c.replace(':', ' ')).join(', ');
  return `KPI ${kpi.id} changed since it was last published: kpis/${kpi.id}.yml declares (${names(declared)}), the serving store holds (${names(stored)})`;
}
