/**
 * Standby modules (spec §8): on a standby manager, each enabled module that has a
 * `MgrStandbyModule` class runs it (options, store reads, the active instance's URI) until the
 * manager becomes active or stops.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { DaemonLog, ModuleLogger } from "./logging.ts";
import type { MgrStandbyModule } from "./mgr_module.ts";
import type { ModuleContext } from "./module_context.ts";
import type { ModuleRecord } from "./module_loader.ts";

interface StandbyInstance {
  instance: MgrStandbyModule;
  abort: AbortController;
  serveTask: Promise<void>;
}

/** Runs the standby classes of the enabled modules. */
export class StandbyHost {
  readonly #running = new Map<string, StandbyInstance>();

  constructor(
    readonly clock: Clock,
    readonly log: DaemonLog,
    readonly context: (
      record: ModuleRecord,
      log: ModuleLogger,
      signal: AbortSignal,
    ) => ModuleContext,
    readonly graceSeconds: number,
  ) {}

  /** Names of the standby modules running now. */
  names(): string[] {
    return [...this.#running.keys()];
  }

  /** The instance of a running standby module. */
  instance(name: string): MgrStandbyModule | undefined {
    return this.#running.get(name)?.instance;
  }

  /** Starts the standby class of every enabled, runnable module that has one. */
  start(records: Iterable<ModuleRecord>): void {
    const daemonLog = this.log.daemonLogger();
    for (const record of records) {
      if (!record.standbyCls || !record.canRun || this.#running.has(record.name)) continue;
      const abort = new AbortController();
      const log = this.log.moduleLogger(record.name);
      let instance: MgrStandbyModule;
      try {
        instance = new record.standbyCls(record.name, this.context(record, log, abort.signal));
      } catch (e) {
        daemonLog.error(
          `Failed to run module in standby mode ('${record.name}'): ${(e as Error).message}`,
        );
        continue;
      }
      const serveTask = (async () => {
        try {
          await instance.serve();
        } catch (e) {
          if (!abort.signal.aborted) {
            daemonLog.error(`standby module ${record.name} serve() threw: ${(e as Error).stack}`);
          }
        }
      })();
      this.#running.set(record.name, { instance, abort, serveTask });
      daemonLog.info(`Starting standby module ${record.name}`);
    }
  }

  /** Shuts every standby module down, waiting a bounded time for each. */
  async stopAll(): Promise<void> {
    const daemonLog = this.log.daemonLogger();
    await Promise.all([...this.#running].map(async ([name, s]) => {
      this.#running.delete(name);
      s.abort.abort();
      // shutdown() and the end of serve() share one bounded wait.
      const stopped = (async () => {
        try {
          await s.instance.shutdown();
        } catch (e) {
          daemonLog.error(`standby module ${name} shutdown() threw: ${(e as Error).message}`);
        }
        await s.serveTask;
      })();
      const grace = new AbortController();
      const late = await Promise.race([
        stopped.then(() => false),
        this.clock.sleep(this.graceSeconds, grace.signal).then(() => true),
      ]);
      grace.abort();
      if (late) {
        daemonLog.warning(`standby module ${name} did not stop within ${this.graceSeconds}s`);
      }
    }));
  }
}
