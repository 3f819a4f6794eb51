import type { DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from './database/data-source-options.js';
import { ENTITIES } from './entities.js';

/** The service's connection with every module's entities, for the migration CLI, scripts, tests and benchmarks. */
export function appDataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return dataSourceOptions(url, ENTITIES, poolSize);
}
