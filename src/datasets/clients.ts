import type { DatasetSpec } from './types.js';

export const COUNTRIES = ['France', 'Germany', 'Spain', 'Italy', 'Belgium', 'Netherland', 'Switzerland', 'UK', 'Canada'] as const;

export const clients: DatasetSpec = {
  name: 'clients',
  description: 'Customers: one row per id_client.',
  key: 'id_client',
  columns: {
    id_client: { type: 'integer', required: true, description: 'Customer id' },
    nom: { type: 'text', personal: true, description: 'Full name' },
    email: { type: 'text', personal: true, description: 'E-mail address' },
    date_inscription: { type: 'date', required: true, description: 'Sign-up date' },
    pays: { type: 'text', required: true, canonical: COUNTRIES, description: 'Country' },
  },
  rules: [
    { rule: 'date_range', column: 'date_inscription', notBefore: '2000-01-01', notInFuture: true, severity: 'error' },
    // Other countries are kept (a real source may sell elsewhere) but counted in the quality report.
    { rule: 'allowed_values', column: 'pays', severity: 'warn' },
  ],
};
