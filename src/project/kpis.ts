import { UserError } from '../errors.js';
import type { Kpi, Project } from './types.js';

/** A KPI by id (or serving-store table name), or a one-line error listing the project's KPIs. */
export function findKpi(project: Project, id: string): Kpi {
  const kpi = project.kpis.find((k) => k.id === id || k.table === id);
  if (!kpi) throw new UserError(`unknown KPI "${id}"`, `the KPIs of ${project.name}: ${project.kpis.map((k) => k.id).join(', ')}`);
  return kpi;
}
