import { useTranslation } from 'react-i18next';
import { setLang, useLang } from '../lib/i18n.ts';

/** Switches between Chinese (the default) and English; the choice is remembered. */
export function LangSwitch() {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <button type="button" className="btn btn-ghost lang-switch" data-testid="lang-switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
      {t('app.otherLanguage')}
    </button>
  );
}
