import { createContext, useContext } from 'react';
import type { Meta, User } from './types.ts';

export interface Session {
  user: User;
  meta: Meta;
  /** Where this user's pages start: their company, or the city overview for bureau staff. */
  home: string;
  logout: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a logged-in page');
  return s;
}

export function homeOf(user: User): string {
  return user.creditCode ? `/company/${encodeURIComponent(user.creditCode)}` : '/bureau';
}
