/**
 * The element's attributes as a session: which token, API base and API versions it connects with, or why it cannot
 * (no token, a wrong api-base). Pure but for reading the attributes, so the rules sit in one place.
 */
import { embeddedSession, isPlausibleToken, normaliseApiBase, type LaunchEnv, type Session } from '../ui/launch.ts';
import type { EmbedText } from './messages.ts';

/** Why there is no connection, as shown inside the element. */
export interface Problem {
  title: EmbedText;
  action: EmbedText;
}

export type Config =
  /** `key` changes exactly when a new session is needed. */
  | { ok: true; key: string; session: Session }
  /** `mistake`: a wrong token or api-base (an `error` event); a missing token is a state (the page may set it later). */
  | { ok: false; problem: Problem; mistake: boolean };

export const NO_TOKEN: Problem = { title: 'noToken', action: 'noTokenAction' };
const BAD_API_BASE: Problem = { title: 'badApiBase', action: 'badApiBaseAction' };

export function readConfig(element: Pick<Element, 'getAttribute'>, env: LaunchEnv, origin: string): Config {
  const token = element.getAttribute('token');
  const apiBase = element.getAttribute('api-base');
  const session = embeddedSession(token, apiBase, env, origin, element.getAttribute('api'));
  if (!session) {
    const badBase = apiBase !== null && normaliseApiBase(apiBase) === null;
    return { ok: false, problem: badBase ? BAD_API_BASE : NO_TOKEN, mistake: badBase || (token !== null && !isPlausibleToken(token.trim())) };
  }
  const v1 = session.v1Stores;
  return { ok: true, key: `${session.apiBase}\n${session.token}\n${v1 === 'all' ? 'v1' : (v1 ?? []).join(',')}`, session };
}

/** The `store-ids` attribute: distinct ids, or null when it is missing or empty. */
export function storeIdsOf(element: Pick<Element, 'getAttribute'>): string[] | null {
  const raw = element.getAttribute('store-ids');
  if (raw === null) return null;
  const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  return ids.length > 0 ? ids : null;
}
