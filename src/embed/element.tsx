/**
 * <evotor-stock-sync>: the whole app as a custom element for partner portals, its styles isolated in a shadow root.
 *
 *   attributes  token, api-base, api (v2 | v1 | v1:<store id>,<store id>: stores on API V1), store-ids (comma-separated), lang (ru | en)
 *   methods     start(), apply({ approveAll? }), undo()
 *   events      progress, review-ready, applied, error   (CustomEvent on the element; all but error bubble; README.md)
 *
 * The element is a thin driver over the same app state the screens use (src/ui/state/): start() selects the stores
 * and starts their pulls as the «Загрузить» button does; apply() confirms the plan of what the review approves (what
 * the user unticked stays unticked; `approveAll: true` ticks every row first) as the «Записать» button and its
 * confirmation do; undo() confirms the undo of the last write. The host page holds the token and is trusted: it
 * must have the user's consent before it calls apply() or undo() (README.md). The screens stay
 * usable inside the element in the meantime. The backend comes from the composition root (index.ts), so this file is
 * tested with an in-memory backend.
 */
import { render } from 'preact';
import { effect, untracked } from '@preact/signals';
import { AppView, Header } from '../ui/App.tsx';
import type { BackendError, BackendEvent, PullProgress, SyncBackend, SyncBackendFactory } from '../ui/backend.ts';
import { toBackendError } from '../ui/backend.ts';
import { lang, setLang } from '../ui/i18n.ts';
import { embeddedSession, isPlausibleToken, normaliseApiBase, type LaunchEnv } from '../ui/launch.ts';
import { createAppState, type AppState } from '../ui/state/index.ts';
import type { RunReport } from '../writeback/types.ts';
import css from '../ui/styles.css?inline';
import { et, type EmbedText } from './messages.ts';
import { embedRows, errorDetail, rowsFingerprint, type EmbedRow, type ErrorDetail, type ProgressDetail, type ReviewReadyDetail } from './rows.ts';

export const ELEMENT_NAME = 'evotor-stock-sync';
export const ATTRIBUTES = ['token', 'api-base', 'api', 'store-ids', 'lang'] as const;
export const METHODS = ['start', 'apply', 'undo'] as const;
export const EVENTS = ['progress', 'review-ready', 'applied', 'error'] as const;

export type EmbedEventName = (typeof EVENTS)[number];

/** What each event's `detail` holds. `applied` carries the run's report (a write, or an undo: `report.kind`). */
export interface EmbedEventDetail {
  progress: ProgressDetail;
  'review-ready': ReviewReadyDetail;
  applied: RunReport;
  error: ErrorDetail;
}

/** Methods reject with this; the same detail was sent as an `error` event (once). */
export class EmbedError extends Error {
  override readonly name = 'EmbedError';
  constructor(readonly detail: ErrorDetail) {
    super(`${detail.code}: ${detail.message || detail.title}`);
  }
}

/** The element's public surface (for pages written in TypeScript). */
export interface EvotorStockSyncElement extends HTMLElement {
  /** Selects the stores (store-ids, else those ticked in the element, else all) and starts their pulls. */
  start(): Promise<void>;
  /**
   * Writes what the review of the started (or reviewed) stores approves; with `approveAll: true`, every proposed
   * change (each row ticked first). Resolves with the report.
   */
  apply(options?: ApplyOptions): Promise<RunReport>;
  /** Restores the quantities from before the last write; resolves with the undo run's report. */
  undo(): Promise<RunReport>;
}

export interface ApplyOptions {
  /** Tick every row before writing (as «Отметить все» would), overriding what the user unticked. Default false. */
  approveAll?: boolean;
}

export interface ElementDeps {
  /** The real backend in the build (index.ts), an in-memory one in tests. */
  createBackend: SyncBackendFactory;
  /** Build settings: the default API base when the page gives no api-base. */
  env: LaunchEnv;
}

const HOST_CSS = `:host { all: initial; display: block; }\n:host([hidden]) { display: none; }\n.app { min-height: 0; }\n`;

interface Connection {
  key: string;
  backend: SyncBackend;
  state: AppState;
  /** Resolves with the state once stores, progress and pending work are loaded. */
  ready: Promise<AppState>;
  stop: () => void;
}

function Notice({ title, action }: { title: () => string; action: () => string }) {
  return (
    <div class="app" lang={lang.value}>
      <Header demo={false} />
      <main class="screen">
        <div class="error-panel" role="alert">
          <h1 class="error-title">{title()}</h1>
          <p>{action()}</p>
        </div>
      </main>
    </div>
  );
}

/** Resolves when `predicate` holds, re-checked whenever a signal it reads changes. */
function when(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let dispose: (() => void) | null = null;
    let done = false;
    dispose = effect(() => {
      if (done || !predicate()) return;
      done = true;
      queueMicrotask(() => dispose?.());
      resolve();
    });
  });
}

/** Errors the app state makes fatal (and announces through its `fatal` signal). */
const FATAL: ReadonlySet<string> = new Set(['unauthorized', 'payment-required']);

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function createElementClass(deps: ElementDeps): { new (): EvotorStockSyncElement; readonly observedAttributes: readonly string[] } {
  return class EvotorStockSync extends HTMLElement implements EvotorStockSyncElement {
    static readonly observedAttributes: readonly string[] = ATTRIBUTES;
    /** For introspection (the manifest test): what this element defines. */
    static readonly methods: readonly string[] = METHODS;
    static readonly events: readonly string[] = EVENTS;

    readonly #mount: HTMLDivElement;
    #conn: Connection | null = null;
    /** Why there is no connection (no token, bad api-base), as shown inside the element. */
    #problem: { title: EmbedText; action: EmbedText } | null = null;
    #scheduled = false;
    /** Stores of the last start(); their first results open the review, and apply() writes them. */
    #started: string[] = [];
    #reviewOpened = true;
    #busy = false;
    #pulls = new Map<string, PullProgress>();
    #fingerprints = new Map<string, string>();
    #rowsInFlight = new Set<string>();
    #rowsDirty = new Set<string>();
    #storeFailures = new Map<string, string>();
    #lastError: BackendError | null = null;

    constructor() {
      super();
      const shadow = this.attachShadow({ mode: 'open' });
      // Constructed sheets are not inline styles for a page's CSP (style-src); <style> where they are missing.
      if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(HOST_CSS + css);
        shadow.adoptedStyleSheets = [sheet];
      } else {
        const style = document.createElement('style');
        style.textContent = HOST_CSS + css;
        shadow.append(style);
      }
      this.#mount = document.createElement('div');
      shadow.append(this.#mount);
    }

    connectedCallback(): void {
      setLang(this.getAttribute('lang'));
      this.#schedule();
    }

    disconnectedCallback(): void {
      this.#schedule();
    }

    attributeChangedCallback(name: string, old: string | null, value: string | null): void {
      if (old === value) return;
      if (name === 'lang') setLang(value);
      else if (name === 'store-ids') this.#preselect();
      else this.#schedule();
    }

    // ----- methods ------------------------------------------------------------------------------------------------

    async start(): Promise<void> {
      const state = await this.#ready();
      const ids = this.#storeIdsAttr() ?? (state.selected.value.size > 0 ? [...state.selected.value] : this.#allStoreIds(state));
      state.selectAllStores(false);
      for (const id of ids) state.toggleStore(id, true);
      this.#started = ids;
      this.#reviewOpened = false;
      // A new pull: its first result is announced even when it equals the previous one.
      for (const id of ids) {
        this.#fingerprints.delete(id);
        this.#storeFailures.delete(id);
      }
      await state.startPull();
    }

    async apply(options: ApplyOptions = {}): Promise<RunReport> {
      const approveAll = options !== null && typeof options === 'object' && options.approveAll === true;
      const state = await this.#ready();
      this.#enter();
      try {
        const ids = this.#targets(state);
        if (ids.length === 0) throw this.#fail('not-ready', 'notReady', 'notReadyAction');
        if (state.screen.value !== 'review' || !sameIds(state.reviewStoreIds.value, ids)) await state.openReview(ids);
        else await when(() => state.rowsLoading.value.size === 0);
        // What the review approves; every proposed change only when the page asks for it in so many words.
        if (approveAll) await state.setApproved(state.allRows.peek().map((r) => r.key), true);
        await state.prepareApply();
        return await this.#confirm(state);
      } finally {
        this.#busy = false;
      }
    }

    async undo(): Promise<RunReport> {
      const state = await this.#ready();
      this.#enter();
      try {
        const shown = state.result.value;
        const undoable = shown.status === 'ready' && shown.value.report.kind === 'write' && shown.value.report.undoable;
        if (!undoable) {
          if (!state.pending.value?.undoable) throw this.#fail('not-ready', 'nothingToUndo', 'nothingToUndoAction');
          state.showUndoable();
        }
        await state.prepareUndo();
        return await this.#confirm(state);
      } finally {
        this.#busy = false;
      }
    }

    // ----- internals ----------------------------------------------------------------------------------------------

    /** The confirmation of a prepared plan, as the dialog's confirm button; the report, or the error. */
    async #confirm(state: AppState): Promise<RunReport> {
      const plan = state.plan.value;
      if (plan.status === 'error') throw this.#failWith(plan.error);
      if (plan.status !== 'ready') throw this.#fail('not-ready', 'notReady', 'notReadyAction');
      await state.confirmPlan();
      const result = state.result.value;
      if (result.status !== 'ready') {
        throw this.#failWith(result.status === 'error' ? result.error : toBackendError(new Error('the run did not finish')));
      }
      this.#emit('applied', result.value.report);
      return result.value.report;
    }

    #enter(): void {
      if (this.#busy) throw this.#fail('busy', 'busy', 'busyAction');
      this.#busy = true;
    }

    #emit<K extends EmbedEventName>(name: K, detail: EmbedEventDetail[K]): void {
      // `error` does not bubble: a page's window.onerror and error trackers listen for script errors up there.
      this.dispatchEvent(new CustomEvent(name, { detail, bubbles: name !== 'error', composed: true }));
    }

    /** A backend error as an `error` event, once per error object; the EmbedError to reject with. */
    #failWith(error: BackendError, storeId: string | null = null): EmbedError {
      const detail = untracked(() => errorDetail(error, storeId));
      // The state turns a 401/402 into its own `fatal` error object, which the effect in #connect announces.
      const fatal = this.#conn?.state.fatal.peek() ?? null;
      const announced = error === this.#lastError || (fatal !== null && fatal.code === error.code) || FATAL.has(error.code);
      if (!announced) {
        this.#lastError = error;
        this.#emit('error', detail);
      }
      return new EmbedError(detail);
    }

    #fail(code: ErrorDetail['code'], title: EmbedText, action: EmbedText): EmbedError {
      const detail: ErrorDetail = { code, status: null, params: {}, title: et(title), action: et(action), message: '', storeId: null };
      this.#emit('error', detail);
      return new EmbedError(detail);
    }

    #ready(): Promise<AppState> {
      if (this.#conn) return this.#conn.ready;
      const problem = this.#problem ?? { title: 'noToken' as const, action: 'noTokenAction' as const };
      return Promise.reject(this.#fail('config', problem.title, problem.action));
    }

    #storeIdsAttr(): string[] | null {
      const raw = this.getAttribute('store-ids');
      if (raw === null) return null;
      const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
      return ids.length > 0 ? ids : null;
    }

    #allStoreIds(state: AppState): string[] {
      const stores = state.stores.value;
      return stores.status === 'ready' ? stores.value.map((s) => s.id) : [];
    }

    /** The stores apply() writes: the started ones whose result is ready, else those under review, else every ready one. */
    #targets(state: AppState): string[] {
      const ready = new Set(state.readyStoreIds.value);
      for (const [id, p] of this.#pulls) if (p.resultReady) ready.add(id);
      const started = this.#started.filter((id) => ready.has(id));
      if (started.length > 0) return started;
      if (state.reviewStoreIds.value.length > 0) return [...state.reviewStoreIds.value];
      return [...ready];
    }

    /** store-ids ticks those stores in the list (they are what start() pulls). */
    #preselect(): void {
      const conn = this.#conn;
      const ids = this.#storeIdsAttr();
      if (!conn || ids === null || conn.state.stores.value.status !== 'ready') return;
      conn.state.selectAllStores(false);
      for (const id of ids) conn.state.toggleStore(id, true);
    }

    /** Attribute changes and DOM moves in one task are coalesced: setting token then api-base starts one session. */
    #schedule(): void {
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#reconcile();
      });
    }

    #reconcile(): void {
      if (!this.isConnected) {
        this.#disconnect();
        render(null, this.#mount);
        return;
      }
      const token = this.getAttribute('token');
      const apiBase = this.getAttribute('api-base');
      const session = embeddedSession(token, apiBase, deps.env, location.origin, this.getAttribute('api'));
      const v1 = session?.v1Stores;
      const key = session ? `${session.apiBase}\n${session.token}\n${v1 === 'all' ? 'v1' : (v1 ?? []).join(',')}` : '';
      if (this.#conn && this.#conn.key === key) return;
      this.#disconnect();
      if (!session) {
        const badBase = apiBase !== null && normaliseApiBase(apiBase) === null;
        this.#problem = badBase ? { title: 'badApiBase', action: 'badApiBaseAction' } : { title: 'noToken', action: 'noTokenAction' };
        const problem = this.#problem;
        render(<Notice title={() => et(problem.title)} action={() => et(problem.action)} />, this.#mount);
        // A missing token is a state (the page may set it later); a wrong one or a wrong api-base is a mistake.
        if (badBase || (token !== null && !isPlausibleToken(token.trim()))) this.#fail('config', problem.title, problem.action);
        return;
      }
      this.#problem = null;
      this.#connect(key, deps.createBackend(session));
    }

    #connect(key: string, backend: SyncBackend): void {
      const state = createAppState(backend);
      const offBackend = backend.subscribe((event) => this.#onEvent(conn, event));
      const offErrors = effect(() => {
        const error = state.fatal.value ?? state.error.value?.error ?? null;
        if (error && error !== this.#lastError) {
          untracked(() => {
            this.#lastError = error;
            this.#emit('error', errorDetail(error));
          });
        }
      });
      const conn: Connection = {
        key,
        backend,
        state,
        ready: state.init().then(() => {
          if (this.#conn === conn) this.#preselect();
          return state;
        }),
        stop: () => {
          offBackend();
          offErrors();
          state.dispose();
          backend.dispose();
        },
      };
      this.#conn = conn;
      render(<AppView state={state} />, this.#mount);
    }

    #disconnect(): void {
      const conn = this.#conn;
      if (!conn) return;
      this.#conn = null;
      conn.stop();
      this.#started = [];
      this.#reviewOpened = true;
      this.#pulls.clear();
      this.#fingerprints.clear();
      this.#storeFailures.clear();
      this.#rowsDirty.clear();
    }

    #onEvent(conn: Connection, event: BackendEvent): void {
      if (this.#conn !== conn) return;
      switch (event.type) {
        case 'pull-progress': {
          const p = event.progress;
          this.#pulls.set(p.storeId, p);
          this.#emit('progress', { kind: 'pull', ...p });
          if (p.phase === 'failed' && p.error) {
            const key = `${p.error.code}|${p.error.message}`;
            if (this.#storeFailures.get(p.storeId) !== key) {
              this.#storeFailures.set(p.storeId, key);
              this.#failWith(p.error, p.storeId);
            }
          } else {
            this.#storeFailures.delete(p.storeId);
          }
          // After the state has taken this progress in (it subscribed after us).
          queueMicrotask(() => this.#maybeOpenReview(conn));
          break;
        }
        case 'review-changed':
          void this.#announceRows(conn, event.storeId);
          break;
        case 'write-progress':
          this.#emit('progress', event.progress);
          break;
        case 'stores-changed':
          break;
      }
    }

    /** Once every started store has its first result (or failed), the element shows their review, as a user would. */
    #maybeOpenReview(conn: Connection): void {
      if (this.#conn !== conn || this.#reviewOpened || this.#started.length === 0) return;
      const states = this.#started.map((id) => this.#pulls.get(id));
      if (states.some((p) => p === undefined || (!p.resultReady && p.phase !== 'failed' && p.phase !== 'cancelled'))) return;
      const ready = this.#started.filter((id) => this.#pulls.get(id)?.resultReady === true);
      this.#reviewOpened = true;
      if (ready.length > 0 && conn.state.screen.peek() === 'progress') void conn.state.openReview(ready);
    }

    /** review-ready for a store, read after its result changed; one read at a time per store, the newest wins. */
    async #announceRows(conn: Connection, storeId: string): Promise<void> {
      if (this.#rowsInFlight.has(storeId)) {
        this.#rowsDirty.add(storeId);
        return;
      }
      this.#rowsInFlight.add(storeId);
      try {
        do {
          this.#rowsDirty.delete(storeId);
          let detail: ReviewReadyDetail;
          try {
            // Converted slice by slice as the rows arrive: 20,000 rows at once would be one long task on the page.
            let rows: EmbedRow[] = [];
            const result = await conn.backend.reviewRows(storeId, (slice) => {
              if (slice.offset === 0) rows = [];
              for (const row of embedRows(slice.summary, slice.rows)) rows.push(row);
            });
            detail = { storeId, complete: result.complete, rows };
          } catch (error) {
            if (this.#conn === conn) this.#failWith(toBackendError(error), storeId);
            return;
          }
          if (this.#conn !== conn) return;
          const fingerprint = rowsFingerprint(detail.complete, detail.rows);
          if (this.#fingerprints.get(storeId) !== fingerprint) {
            this.#fingerprints.set(storeId, fingerprint);
            this.#emit('review-ready', detail);
          }
        } while (this.#rowsDirty.has(storeId));
      } finally {
        this.#rowsInFlight.delete(storeId);
      }
    }
  };
}
