import type { Db, Row, SqlParam } from '../store/db.ts';

export interface PageQuery {
  /** A WITH clause the FROM refers to, if any. */
  with?: string;
  select: string;
  from: string;
  where: string;
  /** Columns from a fixed table of sort keys, never request text. */
  orderBy: string;
  params: SqlParam[];
  page: number;
  pageSize: number;
}

/** One page of a list and how many rows the whole list has: the shape every list of the API answers with. */
export async function pageRows<T extends Row>(db: Db, q: PageQuery): Promise<{ rows: T[]; page: number; pageSize: number; total: number }> {
  const head = q.with ? `${q.with} ` : '';
  const total = await db.one<{ n: number | string }>(`${head}SELECT count(*) AS n FROM ${q.from} WHERE ${q.where}`, q.params);
  const rows = await db.all<T>(
    `${head}SELECT ${q.select} FROM ${q.from} WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
    q.params,
  );
  return { rows, page: q.page, pageSize: q.pageSize, total: Number(total.n) };
}
