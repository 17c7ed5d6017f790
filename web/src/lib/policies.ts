import { useEffect, useState } from 'react';
import { ApiError, api, withQuery } from './api.ts';
import type { Page, Policy } from './types.ts';

// The policy catalogue changes only with the law files: fetched once per session and shared by the
// pages that name policies by id (ledger, city report, campaigns).

let cache: Promise<Policy[]> | null = null;

/** Every item of a paged list, page after page. */
export async function fetchAll<T>(path: string, pageSize = 100): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; ; page++) {
    const p = await api.get<Page<T> | { items: T[] }>(withQuery(path, { page, pageSize }));
    all.push(...p.items);
    const total = 'total' in p ? p.total : p.items.length;
    if (p.items.length === 0 || all.length >= total || !('total' in p)) return all;
  }
}

export function loadPolicies(): Promise<Policy[]> {
  if (!cache) {
    cache = fetchAll<Policy>('/api/policies');
    cache.catch(() => {
      cache = null;
    });
  }
  return cache;
}

export function forgetPolicies(): void {
  cache = null;
}

export function usePolicies(): { policies: Policy[] | undefined; byId: Map<string, Policy>; error: ApiError | undefined } {
  const [policies, setPolicies] = useState<Policy[]>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    let live = true;
    loadPolicies().then(
      (p) => live && setPolicies(p),
      (e: unknown) => live && setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e))),
    );
    return () => {
      live = false;
    };
  }, []);
  return { policies, byId: new Map((policies ?? []).map((p) => [p.id, p])), error };
}
