import { InvalidArgumentError } from 'commander';

/** Parsers of option values: a bad one is commander's one-line error naming the option. */
export const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};
export const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};
export const rateValue = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number between 0 and 1');
  return n;
};
export const dateValue = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  const day = new Date(`${value}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over into March 2 rather than refusing it.
  if (day.toISOString().slice(0, 10) !== value) throw new InvalidArgumentError(`${value} is not a day of the calendar: must be a date YYYY-MM-DD`);
  return day;
};
