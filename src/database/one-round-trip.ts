import type { Socket } from 'node:net';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * A TypeORM transaction in one round trip: its `START TRANSACTION`, the statements `send` hands to the connection and
 * its `COMMIT` leave in one socket write, and PostgreSQL runs them one after the other (the pool's connections
 * pipeline, see data-source-options.ts). `send` only sends: it resolves once its statements are on their way, with
 * their answer still to come (in an object: an async function cannot resolve to a pending promise), so nothing can
 * be decided between them and the `COMMIT`. If one fails, PostgreSQL aborts the transaction, the statements after it
 * fail and the `COMMIT` rolls it back; the first failure is what this throws, once every answer is in.
 */
export async function inOneRoundTrip<T>(db: DataSource, send: (manager: EntityManager) => Promise<{ answer: Promise<T> }>): Promise<T> {
  // TypeORM would send a default isolation level's SET only after START TRANSACTION's answer, behind the COMMIT; and
  // a subscriber's own queries around the steps would be taken for the steps' statements
  if (db.options.isolationLevel || db.subscribers.length > 0) throw new Error('inOneRoundTrip needs a data source without a default isolation level or subscribers');
  const runner = db.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
    const answers: Array<Promise<unknown>> = [];
    socket.cork();
    try {
      answers.push((await sentThrough(client, () => runner.startTransaction())).answer);
      const { answer } = await send(runner.manager);
      answer.catch(() => undefined); // read below, with the others, once every answer is in
      answers.push(answer);
      answers.push((await sentThrough(client, () => runner.commitTransaction())).answer);
    } finally {
      socket.uncork();
    }
    const settled = await Promise.allSettled(answers);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return (settled[1] as PromiseFulfilledResult<T>).value;
  } finally {
    await release(runner);
  }
}

/**
 * Calls a TypeORM transaction step (`startTransaction`, `commitTransaction`), which sends its statement only after a
 * few awaits of its own, and resolves as soon as that statement is handed to the connection: what is sent next goes
 * after it. Its answer is what this resolves with. A step that fails before sending anything fails this.
 */
function sentThrough(client: PoolClient, step: () => Promise<void>): Promise<{ answer: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const own = client as unknown as { query?: (...args: unknown[]) => unknown };
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    let sent = false;
    // for one call only: the client's own method is back as soon as the step's statement has passed
    own.query = (...args: unknown[]) => {
      delete own.query;
      sent = true;
      const pending = query(...args);
      queueMicrotask(() => resolve({ answer }));
      return pending;
    };
    const answer = step();
    answer.catch((error: unknown) => {
      if (sent) return; // the caller reads the failure from the answer
      delete own.query;
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/** The connection goes back to the pool; one whose transaction is still open (a step failed before sending) is rolled back first. */
async function release(runner: QueryRunner): Promise<void> {
  if (runner.isTransactionActive && !runner.isReleased) await runner.rollbackTransaction().catch(() => undefined);
  await runner.release();
}
