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
 * tested with an in-memory backend. The attributes are read in config.ts, the shadow root's content and the relayed
 * events in connection.tsx and relay.ts; this file holds the element's lifecycle and its methods.
 */
import { effect } from '@preact/signals';
import type { SyncBackendFactory } from '../ui/backend.ts';
import { toBackendError } from '../ui/backend.ts';
import { setLang } from '../ui/i18n.ts';
import type { LaunchEnv } from '../ui/launch.ts';
import type { AppState } from '../ui/state/index.ts';
import type { RunReport } from '../writeback/types.ts';
import css from '../ui/styles.css?inline';
import { NO_TOKEN, readConfig, storeIdsOf, type Problem } from './config.ts';
import { openConnection, renderNotice, type Connection } from './connection.tsx';
import { createEvents, EVENTS, type Events } from './events.ts';

export const ELEMENT_NAME = 'evotor-stock-sync';
export const ATTRIBUTES = ['token', 'api-base', 'api', 'store-ids', 'lang'] as const;
export const METHODS = ['start', 'apply', 'undo'] as const;
export { EVENTS, EmbedError, type EmbedEventDetail, type EmbedEventName } from './events.ts';

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

/** The shadow root with the app's stylesheet, and the node the screens render into. */
function attachRoot(host: HTMLElement): HTMLDivElement {
  const shadow = host.attachShadow({ mode: 'open' });
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
  const mount = document.createElement('div');
  shadow.append(mount);
  return mount;
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

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Ticks exactly these stores in the list (they are what start() pulls). */
function selectOnly(state: AppState, ids: readonly string[]): void {
  state.selectAllStores(false);
  for (const id of ids) state.toggleStore(id, true);
}

function allStoreIds(state: AppState): string[] {
  const stores = state.stores.value;
  return stores.status === 'ready' ? stores.value.map((s) => s.id) : [];
}

/** The confirmation of a prepared plan, as the dialog's confirm button; the report, or the error. */
async function confirm(state: AppState, events: Events): Promise<RunReport> {
  const plan = state.plan.value;
  if (plan.status === 'error') throw events.failWith(plan.error);
  if (plan.status !== 'ready') throw events.fail('not-ready', 'notReady', 'notReadyAction');
  await state.confirmPlan();
  const result = state.result.value;
  if (result.status !== 'ready') {
    throw events.failWith(result.status === 'error' ? result.error : toBackendError(new Error('the run did not finish')));
  }
  events.emit('applied', result.value.report);
  return result.value.report;
}

export function createElementClass(deps: ElementDeps): { new (): EvotorStockSyncElement; readonly observedAttributes: readonly string[] } {
  return class EvotorStockSync extends HTMLElement implements EvotorStockSyncElement {
    static readonly observedAttributes: readonly string[] = ATTRIBUTES;
    /** For introspection (the manifest test): what this element defines. */
    static readonly methods: readonly string[] = METHODS;
    static readonly events: readonly string[] = EVENTS;

    readonly #mount = attachRoot(this);
    #conn: Connection | null = null;
    /** Why there is no connection (no token, bad api-base), as shown inside the element. */
    #problem: Problem | null = null;
    #scheduled = false;
    #busy = false;
    readonly #events = createEvents(this, () => this.#conn?.state.fatal.peek() ?? null);

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
      const conn = await this.#ready();
      const { state } = conn;
      const ids = storeIdsOf(this) ?? (state.selected.value.size > 0 ? [...state.selected.value] : allStoreIds(state));
      selectOnly(state, ids);
      conn.relay.start(ids);
      await state.startPull();
    }

    async apply(options: ApplyOptions = {}): Promise<RunReport> {
      const approveAll = options !== null && typeof options === 'object' && options.approveAll === true;
      const conn = await this.#ready();
      const { state } = conn;
      return this.#alone(async () => {
        const ids = conn.relay.targets();
        if (ids.length === 0) throw this.#events.fail('not-ready', 'notReady', 'notReadyAction');
        if (state.screen.value !== 'review' || !sameIds(state.reviewStoreIds.value, ids)) await state.openReview(ids);
        else await when(() => state.rowsLoading.value.size === 0);
        // What the review approves; every proposed change only when the page asks for it in so many words.
        if (approveAll) await state.setApproved(state.allRows.peek().map((r) => r.key), true);
        await state.prepareApply();
        return confirm(state, this.#events);
      });
    }

    async undo(): Promise<RunReport> {
      const { state } = await this.#ready();
      return this.#alone(async () => {
        const shown = state.result.value;
        const undoable = shown.status === 'ready' && shown.value.report.kind === 'write' && shown.value.report.undoable;
        if (!undoable) {
          if (!state.pending.value?.undoable) throw this.#events.fail('not-ready', 'nothingToUndo', 'nothingToUndoAction');
          state.showUndoable();
        }
        await state.prepareUndo();
        return confirm(state, this.#events);
      });
    }

    // ----- internals ----------------------------------------------------------------------------------------------

    /** One apply() or undo() at a time. */
    async #alone<T>(work: () => Promise<T>): Promise<T> {
      if (this.#busy) throw this.#events.fail('busy', 'busy', 'busyAction');
      this.#busy = true;
      try {
        return await work();
      } finally {
        this.#busy = false;
      }
    }

    #ready(): Promise<Connection> {
      if (this.#conn) return this.#conn.ready;
      const problem = this.#problem ?? NO_TOKEN;
      return Promise.reject(this.#events.fail('config', problem.title, problem.action));
    }

    /** store-ids ticks those stores in the list (they are what start() pulls). */
    #preselect(): void {
      const conn = this.#conn;
      const ids = storeIdsOf(this);
      if (!conn || ids === null || conn.state.stores.value.status !== 'ready') return;
      selectOnly(conn.state, ids);
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
        renderNotice(this.#mount, null);
        return;
      }
      const config = readConfig(this, deps.env, location.origin);
      if (config.ok && this.#conn?.key === config.key) return;
      this.#disconnect();
      if (!config.ok) {
        const problem = (this.#problem = config.problem);
        renderNotice(this.#mount, problem);
        if (config.mistake) this.#events.fail('config', problem.title, problem.action);
        return;
      }
      this.#problem = null;
      const events = this.#events;
      this.#conn = openConnection(config.key, deps.createBackend(config.session), this.#mount, {
        progress: (detail) => events.emit('progress', detail),
        reviewReady: (detail) => events.emit('review-ready', detail),
        failed: (error, storeId) => void events.failWith(error, storeId),
        shown: events.shown,
        loaded: (conn) => {
          if (this.#conn === conn) this.#preselect();
        },
      });
    }

    #disconnect(): void {
      const conn = this.#conn;
      if (!conn) return;
      this.#conn = null;
      conn.stop();
    }
  };
}
