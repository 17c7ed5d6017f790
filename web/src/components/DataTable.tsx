import { Fragment, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export type Order = 'asc' | 'desc';
export interface Sort {
  key: string;
  order: Order;
}

export interface Column<T> {
  /** Column id, and the `sort` value sent to the API when sortable. */
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  sortable?: boolean;
  /** The order a first click on the header asks for (amounts: largest first). */
  firstOrder?: Order;
  align?: 'left' | 'right' | 'center';
  width?: string;
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  sort?: Sort | undefined;
  onSort?: (sort: Sort) => void;
  /** data-testid of each body row. */
  rowTestId?: string;
  rowClassName?: (row: T) => string | undefined;
  /** A detail row shown under a row (null: none). */
  detail?: (row: T) => ReactNode | null;
  /** A newer page is loading: the rows shown are the previous ones. */
  busy?: boolean;
  label?: string;
  testId?: string;
}

/** A table whose sortable headers ask the caller (usually the API) for another order. */
export function DataTable<T>({ columns, rows, rowKey, sort, onSort, rowTestId, rowClassName, detail, busy, label, testId }: Props<T>) {
  const { t } = useTranslation();
  const clickHeader = (c: Column<T>) => {
    if (!onSort) return;
    const order: Order = sort?.key === c.key ? (sort.order === 'asc' ? 'desc' : 'asc') : (c.firstOrder ?? 'asc');
    onSort({ key: c.key, order });
  };
  return (
    <div className={`table-wrap${busy ? ' is-busy' : ''}`} aria-busy={busy ? true : undefined}>
      <table className="table" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined;
              return (
                <th key={c.key} scope="col" style={{ width: c.width, textAlign: c.align }} aria-sort={ariaSort}>
                  {c.sortable && onSort ? (
                    <button type="button" className={`th-sort${active ? ' is-active' : ''}`} onClick={() => clickHeader(c)} title={t('table.sortBy')}>
                      {c.header}
                      <span className="sort-mark" aria-hidden="true">
                        {active ? (sort.order === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = rowKey(row);
            const more = detail?.(row) ?? null;
            return (
              <Fragment key={key}>
                <tr data-testid={rowTestId} className={[rowClassName?.(row), more ? 'has-detail' : undefined].filter(Boolean).join(' ') || undefined}>
                  {columns.map((c) => (
                    <td key={c.key} style={{ textAlign: c.align }}>
                      {c.render(row)}
                    </td>
                  ))}
                </tr>
                {more ? (
                  <tr className="detail-row">
                    <td colSpan={columns.length}>{more}</td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

interface PagerProps {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
}

/** "1–20 of 345" with first/previous/next/last and nearby page numbers. */
export function Pager({ page, pageSize, total, onPage }: PagerProps) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total === 0) return null;
  const from = (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const near: number[] = [];
  for (let p = Math.max(1, page - 2); p <= Math.min(pages, page + 2); p++) near.push(p);
  return (
    <nav className="pager" aria-label={t('table.pages')}>
      <span className="pager-info">{t('table.range', { from, to, total })}</span>
      <span className="pager-buttons">
        <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(1)} aria-label={t('table.first')}>
          «
        </button>
        <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          {t('table.prev')}
        </button>
        {near.map((p) => (
          <button
            key={p}
            type="button"
            className={`btn btn-small${p === page ? ' is-current' : ''}`}
            aria-current={p === page ? 'page' : undefined}
            onClick={() => onPage(p)}
          >
            {p}
          </button>
        ))}
        <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
          {t('table.next')}
        </button>
        <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => onPage(pages)} aria-label={t('table.last')}>
          »
        </button>
      </span>
    </nav>
  );
}

/** Sorts and pages rows the API sends whole (a ledger), the way the server pages lists. */
export function clientPage<T>(rows: T[], sort: Sort | undefined, value: (row: T, key: string) => string | number | null, page: number, pageSize: number): T[] {
  const sorted = sort
    ? [...rows].sort((a, b) => {
        const x = value(a, sort.key);
        const y = value(b, sort.key);
        const c =
          x === y ? 0 : x === null ? -1 : y === null ? 1 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN');
        return sort.order === 'asc' ? c : -c;
      })
    : rows;
  return sorted.slice((page - 1) * pageSize, page * pageSize);
}
