/**
 * The write-back's front in the worker (src/writeback does the work): one journal per configuration (its clients
 * hold the token), plans the user may stop, applies this worker runs, and a run of another tab on the same stores
 * waited for rather than written twice. Only runs of this account's stores are shown or touched (account.ts).
 */
import { createWriteback, StoreBusyError, WritebackBusyError, type Writeback } from '../../writeback/index.ts';
import type { Lang } from '../../stock/index.ts';
import type { CreatePlanStore, ProgressInfo, RunKind, RunReport, RunResult } from '../../writeback/types.ts';
import type { WriteProgress } from '../shared/types.ts';
import { notListed, storeKey, type Account } from './account.ts';

export const CSV_TYPE = 'text/csv;charset=utf-8';

/** Where a tab's write runs tell their progress, so that a tab waiting for the same stores shows it. */
const WRITE_PROGRESS_CHANNEL = 'evotor-stock-sync:write-progress';

interface WriteProgressNote {
  storeIds: string[];
  progress: Pick<ProgressInfo, 'done' | 'total' | 'rate'>;
}

export interface WritesDeps {
  account: Account;
  /** The worker's life: plans and applies stop with it. */
  lifetime: AbortSignal;
  emitWrite?(progress: WriteProgress): void;
}

export class Writes {
  private wb: Promise<Writeback> | null = null;
  /** Applies running in this worker, to stop them (stopWrite, a new configuration). */
  private readonly applies = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  /** Plans being made (planWrite/planUndo), for stopPlan. */
  private readonly plans = new Set<AbortController>();
  private channel: BroadcastChannel | null = null;

  constructor(private readonly deps: WritesDeps) {}

  async planWrite(stores: CreatePlanStore[], signal?: AbortSignal): Promise<RunResult> {
    const wb = await this.writeback();
    return this.planning((stop) => wb.createPlan({ stores, signal: stop }), signal);
  }

  async planUndo(runId: string, signal?: AbortSignal): Promise<RunResult> {
    await this.mustSeeRun(runId);
    const wb = await this.writeback();
    return this.planning((stop) => wb.planUndo(runId, stop), signal);
  }

  stopPlan(): void {
    for (const plan of this.plans) plan.abort(new DOMException('The plan was cancelled by the user', 'AbortError'));
  }

  /**
   * A plan reads the cloud (every product page, the documents since): the user may stop it (stopPlan, or the call's
   * signal), as the worker's end does.
   */
  private async planning<T>(make: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const controller = new AbortController();
    this.plans.add(controller);
    try {
      return await make(AbortSignal.any([controller.signal, this.deps.lifetime, ...(signal ? [signal] : [])]));
    } finally {
      this.plans.delete(controller);
    }
  }

  /** Applies a run; the call's signal stops it as stopWrite does (the journal keeps it: resumable). */
  async runWrite(runId: string, signal?: AbortSignal): Promise<RunResult> {
    const wb = await this.writeback();
    if (this.applies.has(runId)) throw new WritebackBusyError(runId);
    const report = await this.mustSeeRun(runId);
    signal?.throwIfAborted();
    const kind: RunKind = report.kind;
    const storeIds = report.stores.map((s) => s.storeId);
    const controller = new AbortController();
    const stoppers = [this.deps.lifetime, ...(signal ? [signal] : [])];
    const onStop = (event: Event) => controller.abort((event.target as AbortSignal).reason);
    for (const s of stoppers) s.addEventListener('abort', onStop, { once: true });
    const apply = async (): Promise<RunResult> => {
      for (;;) {
        try {
          return await wb.applyPlan(runId, {
            signal: controller.signal,
            onProgress: (info) => {
              this.deps.emitWrite?.({ ...info, kind });
              this.progressChannel()?.postMessage({ storeIds, progress: { done: info.done, total: info.total, rate: info.rate } } satisfies WriteProgressNote);
            },
          });
        } catch (error) {
          if (!(error instanceof StoreBusyError)) throw error;
          const other = await this.afterOtherTab(wb, runId, kind, error.storeIds, controller.signal);
          if (other) return other;
        }
      }
    };
    const done = apply();
    this.applies.set(runId, { controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.applies.delete(runId);
      for (const s of stoppers) s.removeEventListener('abort', onStop);
    }
  }

  /**
   * Another tab is writing these stores (one write run per store at a time: src/writeback store locks). Instead of
   * writing the same again, this run waits, showing that tab's progress (phase 'elsewhere'), and then gives that
   * tab's result: its run of these stores that completed after this one was planned; this one, of which nothing was
   * sent, is discarded. Null when there is none (the other tab stopped before the end): this run then goes on.
   */
  private async afterOtherTab(wb: Writeback, runId: string, kind: RunKind, storeIds: readonly string[], signal: AbortSignal): Promise<RunResult | null> {
    const mine = await wb.report(runId);
    const emit = (p: WriteProgressNote['progress'] = { done: 0, total: 0, rate: 0 }) =>
      this.deps.emitWrite?.({ runId, kind, phase: 'elsewhere', ...p, concurrency: 0, rateLimited: 0 });
    emit();
    const keys = new Set(storeIds.map(storeKey));
    const listening = typeof BroadcastChannel === 'function' ? new BroadcastChannel(WRITE_PROGRESS_CHANNEL) : null;
    if (listening) {
      listening.onmessage = (event: MessageEvent<WriteProgressNote>) => {
        const note = event.data;
        if (Array.isArray(note?.storeIds) && note.storeIds.some((id) => keys.has(storeKey(String(id))))) {
          emit({ done: Number(note.progress?.done) || 0, total: Number(note.progress?.total) || 0, rate: Number(note.progress?.rate) || 0 });
        }
      };
    }
    try {
      await wb.whenStoresFree(storeIds, signal);
    } finally {
      listening?.close();
    }
    if (mine.status !== 'planned') return null;
    const other = (await this.deps.account.ownRuns(await wb.listRuns())).filter((r) =>
      r.runId !== runId && r.kind === kind && r.status === 'completed' && (r.finishedAt ?? 0) >= mine.createdAt &&
      r.stores.some((s) => keys.has(storeKey(s.storeId)))).at(-1);
    if (!other) return null;
    await wb.discard(runId);
    return { report: other, moved: [] };
  }

  /** This worker's end of the write-progress channel (none where BroadcastChannel is missing). */
  private progressChannel(): BroadcastChannel | null {
    if (!this.channel && typeof BroadcastChannel === 'function') this.channel = new BroadcastChannel(WRITE_PROGRESS_CHANNEL);
    return this.channel;
  }

  async stopWrite(runId: string): Promise<void> {
    const apply = this.applies.get(runId);
    if (!apply) return;
    apply.controller.abort(new DOMException('The write was stopped; it continues from the journal', 'AbortError'));
    await apply.done;
  }

  async resumePending(signal?: AbortSignal): Promise<RunResult[]> {
    const results: RunResult[] = [];
    for (const run of await this.pendingRuns()) {
      try {
        results.push(await this.runWrite(run.runId, signal));
      } catch (error) {
        // Applied meanwhile by another tab: that tab finishes it.
        if (error instanceof WritebackBusyError) continue;
        throw error;
      }
    }
    return results;
  }

  async pendingRuns(): Promise<RunReport[]> {
    return this.deps.account.ownRuns(await (await this.writeback()).pending());
  }

  async listRuns(): Promise<RunReport[]> {
    return this.deps.account.ownRuns(await (await this.writeback()).listRuns());
  }

  /** The run's report, refused (404) when it names a store this account does not list. */
  async mustSeeRun(runId: string): Promise<RunReport> {
    const report = await (await this.writeback()).report(runId);
    if ((await this.deps.account.ownRuns([report])).length === 0) throw notListed(report.stores.map((s) => s.storeId).join(', '));
    return report;
  }

  async exportCsv(runId: string, lang: Lang): Promise<Blob> {
    await this.mustSeeRun(runId);
    return new Blob([await (await this.writeback()).exportCsv(runId, lang)], { type: CSV_TYPE });
  }

  /** Forgets a run (a plan the user declined, or a write whose undo is no longer wanted) and its undo data. */
  async discard(runId: string): Promise<void> {
    await this.mustSeeRun(runId);
    await (await this.writeback()).discard(runId);
  }

  private writeback(): Promise<Writeback> {
    if (!this.wb) {
      const { account } = this.deps;
      const journalName = account.config.journalName;
      const opening = createWriteback({
        client: (api, hooks) => account.client(api, { fetch: hooks.fetch }),
        ...(journalName ? { journalName } : {}),
      });
      // A journal that failed to open (storage refused) is tried again on the next call.
      opening.catch(() => {
        if (this.wb === opening) this.wb = null;
      });
      this.wb = opening;
    }
    return this.wb;
  }

  /** Stops this worker's applies (the journal keeps them: resumable) and closes the journal. */
  async close(): Promise<void> {
    this.channel?.close();
    this.channel = null;
    const opening = this.wb;
    if (!opening) return;
    this.wb = null;
    const applies = [...this.applies.values()];
    for (const a of applies) a.controller.abort(new DOMException('The worker was configured again', 'AbortError'));
    await Promise.all(applies.map((a) => a.done));
    try {
      (await opening).close();
    } catch {
      // It never opened.
    }
  }
}

