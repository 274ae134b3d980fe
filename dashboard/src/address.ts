/**
 * The view in the address, so that a link opens the same view: `#<tab>?<state>`, the state a query
 * string of the values that differ from the tab's defaults (`#volumes?grain=volumes_mois&from=2026-01-01`).
 * Reading an address never fails: a tab decides which of its values it can use (see tabs/kpi-tab.ts).
 */
export interface Address {
  /** The tab's id ('' when the address names none). */
  tab: string;
  params: URLSearchParams;
}

export function parseAddress(hash: string): Address {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  return { tab: q < 0 ? raw : raw.slice(0, q), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** The hash of a tab in a state: `#volumes`, `#volumes?from=2026-01-01`. */
export function addressOf(tab: string, params: URLSearchParams | string = ''): string {
  const query = params.toString();
  return `#${tab}${query ? `?${query}` : ''}`;
}
