import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Column, DataTable, Pager, type Sort } from '../../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../../components/States.tsx';
import { Card, Segmented, SelectField, StatusBadge } from '../../components/ui.tsx';
import { withQuery } from '../../lib/api.ts';
import { formatYuan } from '../../lib/format.ts';
import { useLang } from '../../lib/i18n.ts';
import { categoryName } from '../../lib/labels.ts';
import { useSession } from '../../lib/session.tsx';
import type { MatchRow, Page, PolicyExplanation } from '../../lib/types.ts';
import { useApi } from '../../lib/useApi.ts';

type ListStatus = 'matched' | 'nearMiss' | 'unknown';
const PAGE_SIZE = 10;

/** The policies a company matches for a quarter, its near misses and the undecidable ones, each with its reason. */
export function MatchesTab({ code }: { code: string }) {
  const { t } = useTranslation();
  const { meta } = useSession();
  if (!meta.latestPeriod) {
    return (
      <Card title={t('matches.title')}>
        <Empty title={t('common.noPeriods')}>{t('common.noPeriodsHint')}</Empty>
      </Card>
    );
  }
  return <Matches code={code} latestPeriod={meta.latestPeriod} />;
}

function Matches({ code, latestPeriod }: { code: string; latestPeriod: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const [period, setPeriod] = useState(latestPeriod);
  const [status, setStatus] = useState<ListStatus>('matched');
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort>({ key: 'benefit', order: 'desc' });
  const [open, setOpen] = useState<string | null>(null);
  const base = `/api/taxpayers/${encodeURIComponent(code)}/matches`;

  const list = useApi<Page<MatchRow>>(withQuery(base, { period, status, page, pageSize: PAGE_SIZE, sort: sort.key, order: sort.order }));
  // How many of each, for the tabs: one request for the quarter's results (a few dozen), not one
  // per status, so a bureau visit leaves one audit entry for them rather than three.
  const all = useApi<Page<MatchRow>>(withQuery(base, { period, page: 1, pageSize: 200 }));
  const count = (s: ListStatus) => (all.data && !all.loading ? ` ${all.data.items.filter((r) => r.status === s).length}` : '');

  const choose = (s: ListStatus) => {
    setStatus(s);
    setPage(1);
    setOpen(null);
  };

  const columns: Column<MatchRow>[] = [
    {
      key: 'policyId',
      header: t('matches.policy'),
      sortable: true,
      render: (r) => (
        <button
          type="button"
          className="row-toggle"
          aria-expanded={open === r.policyId}
          data-testid="match-open"
          onClick={() => setOpen(open === r.policyId ? null : r.policyId)}
        >
          <span className="toggle-mark" aria-hidden="true">
            {open === r.policyId ? '▾' : '▸'}
          </span>
          <span>
            <span className="row-title">{r.title[lang]}</span>
            <span className="row-sub mono">{r.policyId}</span>
          </span>
        </button>
      ),
    },
    { key: 'category', header: t('matches.category'), sortable: true, width: '9rem', render: (r) => categoryName(meta, r.category, lang) },
    {
      key: 'benefit',
      // A near miss is not eligible: its estimate is what meeting the conditions would be worth.
      header: t(status === 'nearMiss' ? 'matches.benefitIfMet' : 'matches.benefit'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '11rem',
      render: (r) =>
        r.benefit === null ? <span className="muted">{t('matches.benefitUnknown')}</span> : <span className="money">{formatYuan(r.benefit)}</span>,
    },
    {
      key: 'status',
      header: t('matches.status'),
      width: '9rem',
      render: (r) => (
        <>
          <StatusBadge status={r.status} />{' '}
          {r.takenInstead ? (
            <span
              className="badge badge-ledger-notStacked"
              data-testid="taken-instead"
              title={t('matches.takenInstead', { title: r.takenInstead.title[lang] })}
            >
              {t('matches.notStackedShort')}
            </span>
          ) : null}
        </>
      ),
    },
  ];

  return (
    <Card
      title={t('matches.title')}
      actions={
        <SelectField
          label={t('common.period')}
          value={period}
          options={meta.periods.map((p) => ({ value: p, label: p }))}
          onChange={(p) => {
            setPeriod(p);
            setPage(1);
            setOpen(null);
          }}
          testId="period-select"
        />
      }
    >
      <Segmented
        label={t('matches.statusLabel')}
        value={status}
        onChange={choose}
        options={[
          { value: 'matched', label: `${t('status.matched')}${count('matched')}`, testId: 'status-matched' },
          { value: 'nearMiss', label: `${t('status.nearMiss')}${count('nearMiss')}`, testId: 'status-nearMiss' },
          { value: 'unknown', label: `${t('status.unknown')}${count('unknown')}`, testId: 'status-unknown' },
        ]}
      />
      <p className="muted tab-hint">{t(`matches.hint.${status}`)}</p>
      {list.error ? (
        <Failure error={list.error} home={home} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <Empty title={t(`matches.empty.${status}`, { period })} />
      ) : (
        <>
          <DataTable
            columns={columns}
            rows={list.data.items}
            rowKey={(r) => r.policyId}
            sort={sort}
            onSort={(s) => {
              setSort(s);
              setPage(1);
            }}
            busy={list.loading}
            rowTestId="match-row"
            label={t('matches.title')}
            testId="matches-table"
            detail={(r) => (open === r.policyId ? <Explanation code={code} policyId={r.policyId} period={period} /> : null)}
          />
          <Pager page={page} pageSize={list.data.pageSize || PAGE_SIZE} total={list.data.total} onPage={setPage} />
        </>
      )}
    </Card>
  );
}

/** Why a policy matched or not: the explanation's lines in the current language and its legal sources. */
export function Explanation({ code, policyId, period }: { code: string; policyId: string; period: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { home } = useSession();
  const x = useApi<PolicyExplanation>(withQuery(`/api/taxpayers/${encodeURIComponent(code)}/matches/${encodeURIComponent(policyId)}`, { period }));
  if (x.error) return <Failure error={x.error} home={home} onRetry={x.reload} />;
  if (!x.data) return <Loading label={t('matches.explaining')} />;
  const [head, ...conditions] = x.data.text[lang];
  const tone = (line: string) =>
    line.startsWith('✓') ? 'met' : line.startsWith('✗') ? 'unmet' : line.startsWith('?') ? 'unknown' : line.startsWith('–') ? 'moot' : 'plain';
  return (
    <div className="explanation" data-testid="explanation">
      <div className="explanation-text" data-testid="explanation-text">
        {head ? <p className="explanation-head">{head}</p> : null}
        {conditions.length ? (
          <>
            <h3>{t('matches.conditions')}</h3>
            <ul className="conditions">
              {conditions.map((line, i) => {
                const text = line.trim();
                // Two spaces of indent per level: the parts of a group (any one of, all of) below its line.
                const depth = Math.max(0, Math.floor((line.length - line.trimStart().length) / 2) - 1);
                // the lines are the conditions in order; the same line may occur twice
                return (
                  <li key={i} className={`cond cond-${tone(text)}`} style={depth > 0 ? { marginLeft: `${depth * 1.5}em` } : undefined}>
                    {text}
                  </li>
                );
              })}
            </ul>
          </>
        ) : null}
        {x.data.stacking ? (
          <p className="callout" data-testid="stacking">
            {x.data.stacking.text[lang]}
          </p>
        ) : null}
        {x.data.notices.map((n) => (
          <p key={n.en} className="callout callout-warn" data-testid="notice">
            {n[lang]}
          </p>
        ))}
        {x.data.status === 'nearMiss' ? <p className="callout callout-warn">{t('matches.nearMissNote')}</p> : null}
        {x.data.status === 'unknown' ? <p className="callout">{t('matches.unknownNote')}</p> : null}
      </div>
      <div className="explanation-sources">
        <h3>{t('matches.sources')}</h3>
        <ul>
          {x.data.sources.map((s) => (
            <li key={s.document}>
              {lang === 'zh' ? s.documentZh : s.document}{' '}
              <span
                className={`confidence confidence-${s.confidence}`}
                title={t(`confidence.${s.confidence === 'C' || s.confidence === 'R' ? s.confidence : 'U'}`)}
              >
                {s.confidence}
              </span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
