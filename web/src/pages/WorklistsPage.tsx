import { useTranslation } from 'react-i18next';
import { Empty, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader } from '../components/ui.tsx';
import { useLang } from '../lib/i18n.ts';
import { useSession } from '../lib/session.tsx';
import type { Bilingual, Worklist } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';

function text(v: Bilingual | string | undefined, lang: 'zh' | 'en'): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v[lang];
}

/** Work lists for bureau staff (invoice supply, credit warnings, ...): filled as those capabilities arrive. */
export function WorklistsPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { home } = useSession();
  const lists = useApi<{ lists: Worklist[] }>('/api/worklists');
  return (
    <div className="stack">
      <PageHeader title={t('worklists.title')} subtitle={t('worklists.subtitle')} />
      {lists.error ? (
        <Failure error={lists.error} home={home} onRetry={lists.reload} />
      ) : !lists.data ? (
        <Loading />
      ) : lists.data.lists.length === 0 ? (
        <Card>
          <Empty title={t('worklists.empty')}>
            <p>{t('worklists.emptyHint')}</p>
          </Empty>
        </Card>
      ) : (
        <div className="grid-3">
          {lists.data.lists.map((l, i) => {
            const title = text(l.title, lang) ?? l.name ?? l.id ?? t('worklists.untitled', { n: i + 1 });
            const count = l.count ?? l.total ?? l.items?.length;
            return (
              <Card key={l.id ?? l.name ?? i} title={title}>
                {text(l.description, lang) ? <p className="muted">{text(l.description, lang)}</p> : null}
                <p className="stat-value">{count ?? '—'}</p>
                <p className="muted small">{t('worklists.items')}</p>
              </Card>
            );
          })}
        </div>
      )}
    </div>
  );
}
