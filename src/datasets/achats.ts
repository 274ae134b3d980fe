import type { DatasetSpec } from './types.js';

export const PRODUCTS = ['Laptop', 'Phone', 'Tablet', 'Headphones', 'Monitor', 'Keyboard', 'Mouse', 'Webcam', 'Speaker', 'Charger'] as const;

export const achats: DatasetSpec = {
  name: 'achats',
  description: 'Purchases: one row per id_achat.',
  key: 'id_achat',
  columns: {
    id_achat: { type: 'integer', required: true, description: 'Purchase id' },
    id_client: { type: 'integer', required: true, description: 'Buying customer (clients.id_client)' },
    date_achat: { type: 'timestamp', required: true, description: 'Purchase time' },
    montant: { type: 'decimal', required: true, description: 'Amount in euros, 2 decimals' },
    produit: { type: 'text', required: true, canonical: PRODUCTS, description: 'Product' },
  },
  references: { column: 'id_client', dataset: 'clients' },
  partitionBy: { column: 'date_achat', grain: 'month' },
  rules: [
    { rule: 'positive', column: 'montant', severity: 'error' },
    { rule: 'maximum', column: 'montant', max: 10_000, setting: 'QUALITY_MAX_MONTANT', severity: 'error' },
    { rule: 'date_range', column: 'date_achat', notBefore: '2000-01-01', notInFuture: true, severity: 'error' },
    { rule: 'allowed_values', column: 'produit', severity: 'warn' },
  ],
};
