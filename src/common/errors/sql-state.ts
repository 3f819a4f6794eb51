/** The SQLSTATE of a failed statement: TypeORM's QueryFailedError keeps the driver's error, `pg` puts it on the error itself. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return e?.driverError?.code ?? e?.code;
}
