import type { ValueTransformer } from 'typeorm';

/** PostgreSQL `bigint` comes back from pg as a string; amounts in minor units fit a JS number. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
