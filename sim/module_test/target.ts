/**
 * The module under test: a built-in by name or a folder with a `module.ts`, imported once and
 * wrapped so the harness can see when `serve()` runs and returns, and what a command's handler
 * reads while the mon is away (the `stale` property's instruments, in stale.ts).
 *
 * @module
 */
import { MgrModule } from "../../core/mgr_module.ts";
import type { ModuleContext } from "../../core/module_context.ts";
import { inspectModule, type ModuleRecord } from "../../core/module_loader.ts";
import { instrumentClusterReads, markHandlers } from "./stale.ts";

/** What the harness records about one running instance's `serve()`. */
export interface ServeProbe {
  /** Virtual seconds at which serve() started and returned (NaN while not yet). */
  started: number;
  returned: number;
  /** What serve() threw, if it did. */
  threw?: string;
}

/** A module ready to be put into test clusters. */
export interface ModuleUnderTest {
  name: string;
  /** `builtin` or the path of the module.ts. */
  source: string;
  /** Its record as the manager would build it (load errors included). */
  record: ModuleRecord;
  /**
   * The exports to hand to `startTestCluster({ builtins })`: the class is a subclass that
   * probes serve() and instruments cluster-state reads and command handlers.
   */
  exports: Record<string, unknown>;
  /** Whether the class overrides `serve()` (so it is expected to keep running). */
  servesLoop: boolean;
  /** Probes of the instances created so far, newest last. */
  probes: ServeProbe[];
  /** The virtual clock the probes read (set by the harness for each cluster). */
  now: () => number;
}

/**
 * Prepares a module for the harness from its exports.
 *
 * @example
 * ```ts
 * import { MgrModule } from "mgr_module";
 * import { moduleFromExports } from "./target.ts";
 * class Quiet extends MgrModule {}
 * const m = moduleFromExports("quiet", "builtin", { Quiet });
 * if (!m.record.loaded || m.servesLoop) throw new Error("loads, and has no serve loop");
 * ```
 */
export function moduleFromExports(
  name: string,
  source: string,
  exports: Record<string, unknown>,
): ModuleUnderTest {
  const record = inspectModule(name, source, exports);
  const target: ModuleUnderTest = {
    name,
    source,
    record,
    exports,
    servesLoop: false,
    probes: [],
    now: () => 0,
  };
  const cls = record.cls;
  if (!record.loaded || !cls) return target;
  target.servesLoop = cls.prototype.serve !== MgrModule.prototype.serve;
  const handlers = record.commands.flatMap((c) => c.method === undefined ? [] : [c.method]);
  const Probed = class extends cls {
    constructor(module_name: string, ctx: ModuleContext) {
      super(module_name, ctx);
      markHandlers(this, handlers);
    }

    override async serve(): Promise<void> {
      const probe: ServeProbe = { started: target.now(), returned: NaN };
      target.probes.push(probe);
      try {
        await super.serve();
      } catch (e) {
        probe.threw = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        throw e;
      } finally {
        probe.returned = target.now();
      }
    }
  };
  instrumentClusterReads(Probed.prototype);
  Object.defineProperty(Probed, "name", { value: cls.name });
  const key = Object.keys(exports).find((k) => exports[k] === cls) as string;
  target.exports = { ...exports, [key]: Probed };
  return target;
}

/**
 * Loads `spec`: the name of a built-in module (from `builtins`), or a folder holding a
 * `module.ts` (the module's name is the folder's name).
 */
export async function loadModuleUnderTest(
  spec: string,
  builtins: Readonly<Record<string, Record<string, unknown>>> = {},
): Promise<ModuleUnderTest> {
  const isDir = await Deno.stat(`${spec}/module.ts`).then(() => true, () => false);
  if (!isDir) {
    const exports = builtins[spec];
    if (!exports) {
      throw new Error(
        `no module '${spec}': not a folder with a module.ts, nor a built-in (${
          Object.keys(builtins).join(", ")
        })`,
      );
    }
    return moduleFromExports(spec, "builtin", exports);
  }
  const dir = spec.replace(/\/+$/, "");
  const name = dir.split("/").pop() || dir;
  const path = `${dir}/module.ts`;
  const url = new URL(path.startsWith("/") ? `file://${path}` : `file://${Deno.cwd()}/${path}`);
  let exports: Record<string, unknown>;
  try {
    exports = await import(url.href) as Record<string, unknown>;
  } catch (e) {
    const failed = moduleFromExports(name, path, {});
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    failed.record = { ...failed.record, errorString: error.split("\n")[0] ?? error };
    return failed;
  }
  return moduleFromExports(name, path, exports);
}
