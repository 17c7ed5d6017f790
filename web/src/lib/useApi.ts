import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from './api.ts';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** A request is in flight; `data` still holds the previous answer (a table keeps its rows while paging). */
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing to fetch yet), again whenever it changes; stale answers are dropped. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    // `version` is read so that reload() fetches again
    void version;
    const ctrl = new AbortController();
    setLoading(true);
    setError(undefined);
    api.get<T>(path, ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', e instanceof Error ? e.message : String(e)));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [path, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload };
}
