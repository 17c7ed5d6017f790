import { useTranslation } from 'react-i18next';
import { Failure, Loading } from '../components/States.tsx';
import { Badge } from '../components/ui.tsx';
import { compactYuan, formatCount } from '../lib/format.ts';
import { codeLabel, useLang } from '../lib/i18n.ts';
import { districtName, sectionName } from '../lib/labels.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { isBureau, type Taxpayer } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';
import { InboxTab } from './company/InboxTab.tsx';
import { LedgerTab } from './company/LedgerTab.tsx';
import { MatchesTab } from './company/MatchesTab.tsx';

export type CompanyTab = 'matches' | 'ledger' | 'inbox';

/** One company's pages: its profile on top, then its policies, benefit ledger or inbox. */
export function CompanyPage({ code, tab }: { code: string; tab: CompanyTab }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { user, meta, home } = useSession();
  const base = `/company/${encodeURIComponent(code)}`;
  const taxpayer = useApi<Taxpayer>(`/api/taxpayers/${encodeURIComponent(code)}`);

  if (taxpayer.error) return <Failure error={taxpayer.error} home={home} onRetry={taxpayer.reload} />;
  if (!taxpayer.data || taxpayer.data.creditCode !== code) return <Loading />;
  const tp = taxpayer.data;
  const tabs: { id: CompanyTab; to: string; label: string }[] = [
    { id: 'matches', to: base, label: t('company.tabs.matches') },
    { id: 'ledger', to: `${base}/ledger`, label: t('company.tabs.ledger') },
    { id: 'inbox', to: `${base}/inbox`, label: t('company.tabs.inbox') },
  ];

  return (
    <div className="company">
      {isBureau(user.role) ? (
        <p className="crumbs">
          <Link to="/bureau/taxpayers">{t('nav.taxpayers')}</Link> / {tp.name}
        </p>
      ) : null}
      <section className="company-head card" data-testid="company-head">
        <div className="company-title">
          <h1>{tp.name}</h1>
          <div className="company-tags">
            <Badge>{codeLabel('kind', tp.kind)}</Badge>
            <Badge>{codeLabel('vatStatus', tp.vatStatus)}</Badge>
            {tp.highTech ? (
              <Badge tone="good">{tp.highTechUntil ? t('company.highTechUntil', { date: tp.highTechUntil }) : t('company.highTech')}</Badge>
            ) : null}
            {tp.creditLevel ? <Badge tone="info">{t('company.creditLevelValue', { level: tp.creditLevel })}</Badge> : null}
          </div>
        </div>
        <dl className="facts">
          <div>
            <dt>{t('company.creditCode')}</dt>
            <dd className="mono">{tp.creditCode}</dd>
          </div>
          <div>
            <dt>{t('company.industry')}</dt>
            <dd>
              {tp.industry} {sectionName(meta, tp.industry, lang)}
            </dd>
          </div>
          <div>
            <dt>{t('company.district')}</dt>
            <dd>{districtName(meta, tp.district, lang)}</dd>
          </div>
          <div>
            <dt>{t('company.registeredOn')}</dt>
            <dd>{tp.registeredOn}</dd>
          </div>
          <div>
            <dt>{t('company.employees')}</dt>
            <dd>{formatCount(tp.employees, lang)}</dd>
          </div>
          <div>
            <dt>{t('company.totalAssets')}</dt>
            <dd>{compactYuan(tp.totalAssets, lang)}</dd>
          </div>
          <div>
            <dt>{t('company.collectionMode')}</dt>
            <dd>{codeLabel('collectionMode', tp.collectionMode)}</dd>
          </div>
          <div>
            <dt>{t('company.people')}</dt>
            <dd>
              {tp.people.length
                ? tp.people.map((p) => t('company.person', { name: p.name, role: codeLabel('role', p.role) })).join(lang === 'zh' ? '、' : ', ')
                : '—'}
            </dd>
          </div>
        </dl>
        <nav className="tabs" aria-label={t('company.tabs.label')}>
          {tabs.map((x) => (
            <Link
              key={x.id}
              to={x.to}
              className={x.id === tab ? 'is-active' : undefined}
              aria-current={x.id === tab ? 'page' : undefined}
              data-testid={`tab-${x.id}`}
            >
              {x.label}
            </Link>
          ))}
        </nav>
      </section>
      {tab === 'matches' ? <MatchesTab code={code} /> : tab === 'ledger' ? <LedgerTab code={code} /> : <InboxTab code={code} />}
    </div>
  );
}
