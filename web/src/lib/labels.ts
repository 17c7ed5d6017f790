import type { Lang } from './format.ts';
import type { Meta } from './types.ts';

/** Label of a district code or an industry (its GB/T 4754 section) from the API's reference data. */
export function districtName(meta: Meta, code: string, lang: Lang): string {
  return meta.districts.find((d) => d.code === code)?.[lang] ?? code;
}

export function sectionName(meta: Meta, code: string, lang: Lang): string {
  return meta.industrySections.find((s) => s.code === code.slice(0, 1))?.[lang] ?? code;
}

export function categoryName(meta: Meta, code: string, lang: Lang): string {
  return meta.categories.find((c) => c.code === code)?.[lang] ?? code;
}

/** Today's quarter, "2026-Q3": the calculator's default before the first match has a period. */
export function currentQuarter(now = new Date()): string {
  return `${now.getFullYear()}-Q${Math.floor(now.getMonth() / 3) + 1}`;
}
