import i18n from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import enJson from '../locales/en.json';
import zh from '../locales/zh.json';
import type { Lang } from './format.ts';

// Every string of the app is in locales/zh.json and locales/en.json. English must have every key
// Chinese has: the assignment below fails the typecheck when one is missing.
const en: typeof zh = enJson;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof zh };
  }
}

const STORAGE_KEY = 'zhishu.lang';

function savedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

void i18n.use(initReactI18next).init({
  resources: { zh: { translation: zh }, en: { translation: en } },
  lng: savedLang(),
  fallbackLng: 'zh',
  interpolation: { escapeValue: false },
  returnNull: false,
});

function applyLang(lang: string): void {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = i18n.t('app.title');
}
applyLang(i18n.language);
i18n.on('languageChanged', applyLang);

export function setLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  void i18n.changeLanguage(lang);
}

/** The current language as the API's bilingual fields name it. */
export function useLang(): Lang {
  const { i18n: instance } = useTranslation();
  return instance.language === 'en' ? 'en' : 'zh';
}

/**
 * The label of a coded value (`kind.enterprise`, `calcInput.sales`), or the value itself when the
 * resource files do not name it (a code the API added later).
 */
export function codeLabel(group: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const key = `${group}.${value}`;
  return i18n.exists(key) ? String(i18n.t(key as never)) : value;
}

export default i18n;
