import type { ApiContext } from './context.ts';

// A match run (city-wide, or a re-match of one taxpayer) is what changes a company's results. The
// newest run id is asked for at most once a second per process, so results served from the cache
// are at most that much behind a re-match, and a burst of requests costs one small query.
const MARK_MS = 1_000;
const marks = new WeakMap<ApiContext, { until: number; mark: Promise<string> }>();

export function runMark(ctx: ApiContext): Promise<string> {
  const hit = marks.get(ctx);
  if (hit && Date.now() < hit.until) return hit.mark;
  const mark = ctx.db.one<{ run: string | null }>('SELECT CAST(max(run_id) AS VARCHAR) AS run FROM match_run').then((r) => String(r.run));
  marks.set(ctx, { until: Date.now() + MARK_MS, mark });
  mark.catch(() => marks.delete(ctx));
  return mark;
}

/**
 * Answers derived from match results only, per process, valid while no newer run exists. Bounded:
 * past `max` entries it starts afresh (a working day's companies fit; a flood does not grow it).
 */
export class RunCache<T> {
  private readonly entries = new Map<string, { mark: string; value: Promise<T> }>();
  constructor(private readonly max = 20_000) {}

  async get(ctx: ApiContext, key: string, compute: () => Promise<T>): Promise<T> {
    const mark = await runMark(ctx);
    const hit = this.entries.get(key);
    if (hit && hit.mark === mark) return hit.value;
    if (this.entries.size >= this.max) this.entries.clear();
    const value = compute();
    this.entries.set(key, { mark, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
