import type { DuckDBConnection } from '@duckdb/node-api';
import type { SqlParam } from './db.ts';

/**
 * Db.insertRows on a DuckDB connection: the rows go through DuckDB's appender (no SQL to parse or
 * plan), in the connection's open transaction if there is one (a ROLLBACK undoes them). Values are
 * cast to the columns' types as a literal would be ('12.30' into a DECIMAL). The appender's calls
 * are synchronous: they hold the event loop for the few rows they append, never a worker thread.
 */
export async function appendRows(connection: DuckDBConnection, table: string, rows: readonly (readonly SqlParam[])[]): Promise<void> {
  if (rows.length === 0) return;
  const t0 = Date.now();
  const appender = await connection.createAppender(table);
  try {
    for (const row of rows) {
      for (const v of row) {
        if (v === null) appender.appendNull();
        else if (typeof v === 'string') appender.appendVarchar(v);
        else if (typeof v === 'boolean') appender.appendBoolean(v);
        else if (typeof v === 'bigint') appender.appendBigInt(v);
        else if (Number.isInteger(v)) appender.appendBigInt(BigInt(v));
        else appender.appendDouble(v);
      }
      appender.endRow();
    }
    appender.flushSync();
  } catch (err) {
    appender.clear();
    throw err;
  } finally {
    appender.closeSync();
  }
  if (process.env.ZHISHU_SQL_TIMING) process.stderr.write(`${Date.now() - t0} ms: append ${rows.length} rows to ${table}\n`);
}
