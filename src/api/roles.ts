import { ROLES } from '../model/enums.ts';

/** 局管理员 / 局分析人员 / 局业务人员: bureau staff see the whole city. */
export const BUREAU_ROLES = ['bureauAdmin', 'bureauAnalyst', 'bureauOfficer'] as const;
/** A company user acts for one taxpayer in one of its people's roles (法定代表人 / 财务负责人 / 办税人员). */
export const COMPANY_ROLES = ROLES;
export const USER_ROLES = [...BUREAU_ROLES, ...COMPANY_ROLES] as const;

export type BureauRole = (typeof BUREAU_ROLES)[number];
export type CompanyRole = (typeof COMPANY_ROLES)[number];
export type UserRole = (typeof USER_ROLES)[number];

export interface User {
  username: string;
  displayName: string;
  role: UserRole;
  /** The taxpayer a company user acts for; null for bureau staff. */
  creditCode: string | null;
}

export const isBureau = (role: UserRole): role is BureauRole => (BUREAU_ROLES as readonly string[]).includes(role);
export const isCompanyRole = (role: string): role is CompanyRole => (COMPANY_ROLES as readonly string[]).includes(role);

/** What each bureau role may do beyond reading. Company users change only their own inbox. */
export const MAY_PLAN_PUSHES: readonly UserRole[] = ['bureauAdmin', 'bureauOfficer'];
export const MAY_MANAGE_USERS: readonly UserRole[] = ['bureauAdmin'];
