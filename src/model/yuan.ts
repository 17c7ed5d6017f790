/**
 * An amount of yuan as people read it: the whole yuan grouped by thousands, the decimals as given
 * (22306.91 → 22,306.91). One rule for every text that shows money (the pushes, the explanations).
 */
export function groupedYuan(amount: string): string {
  const [whole = '', decimals] = amount.split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${decimals === undefined ? '' : `.${decimals}`}`;
}
