/**
 * The module-context factory: what each module instance is given by the manager around it
 * (core/module_context.ts), wired to the manager's copies of the config DB and KV store, its
 * mon session, its module host, its progress events and its views of the cluster.
 *
 * @module
 */
import type { Random } from "./random.ts";
import type { Clock } from "./clock.ts";
import type { ClusterLink, DaemonHealthMetric } from "./cluster_link.ts";
import type { ConfigView } from "./config_view.ts";
import { ETIMEDOUT } from "../ceph/errno.ts";
import { type KvStore, MonWriteError, WRITE_TIMEOUT_SECONDS, WriteWindow } from "./kv_store.ts";
import type { DaemonLog, ModuleLogger } from "./logging.ts";
import type { ModuleContext } from "./module_context.ts";
import type { ModuleRecord } from "./module_loader.ts";
import type { ModuleHost } from "./module_host.ts";
import type { ProgressEvents } from "./progress_events.ts";
import type { DaemonIndex } from "./state/daemon_state.ts";
import type { PerfCounterStore } from "./state/perf_counters.ts";
import type { OsdPerfStats } from "./state/pg_map_views.ts";
import type { DaemonHealthBulk } from "./state/pg_intake.ts";
import { type OptionValue, typedOptionValue } from "./module_options.ts";
import { cephOptionSchema } from "../ceph/options.ts";
import { type CrushDump, crushLocation } from "./osdmap/crush_map.ts";
import type { OsdPerfCollector } from "./osd_perf_collector.ts";
import { DEVICE_KEY_PREFIX, type DeviceMetadata } from "./device_metadata.ts";

/** Builds the context of one module instance. */
export type ModuleContextFactory = (
  record: ModuleRecord,
  log: ModuleLogger,
  signal: AbortSignal,
) => ModuleContext;

/** What the module contexts are wired to. */
export interface ModuleContextSources {
  /** The daemon id (`x` of `mgr.x`). */
  mgrId: string;
  clock: Clock;
  /** Randomness for `uuid4()`, when the daemon has a source. */
  random?: Random;
  log: DaemonLog;
  /** The mon session. */
  link: Pick<ClusterLink, "connected" | "monCommand" | "rados" | "cephfs">;
  config: ConfigView;
  kv: KvStore;
  progress: ProgressEvents;
  perf: PerfCounterStore;
  /** The module host; asked for when a module calls, as it is built with this factory. */
  host(): Pick<ModuleHost, "notifyAll" | "setHealthChecks" | "remote" | "isAuthorized">;
  /** A module published its service URI (`set_uri`). */
  setUri(module: string, uri: string): void;
  /** The URI the active manager published for a module (`get_active_uri`). */
  activeUri(module: string): string;
  clusterLog(channel: string, priority: string, message: string): void;
  get(name: string, mutable?: boolean): unknown;
  /** See ModuleContext.getVersion. */
  getVersion?(name: string): number | string | undefined;
  daemonHealthMetrics(): Record<string, DaemonHealthMetric[]>;
  daemons(): DaemonIndex;
  osdPerfStats?(): OsdPerfStats;
  daemonHealthBulk?(): DaemonHealthBulk;
  /** The manager's device metadata (`set_device_wear_level`). */
  deviceMetadata: DeviceMetadata;
  /** The OSD perf query collector, when the link's OSDs report to this manager. */
  osdPerfQueries?(): OsdPerfCollector;
}

/** The factory of module contexts wired to `s`. */
export function moduleContextFactory(s: ModuleContextSources): ModuleContextFactory {
  // Commands the daemon itself sends to the mon go as `mgr.<id>`.
  const asMgr = { entity: `mgr.${s.mgrId}` };
  // A module's writes wait for the mon at most this long, then reject (core/kv_store.ts),
  // a few at a time, so that a flood of unawaited writes cannot hold the event loop.
  const window = new WriteWindow();
  const monWrite = async (key: string, cmd: Record<string, unknown>) => {
    const started = s.clock.now();
    const stop = new AbortController();
    const expired = s.clock.sleep(WRITE_TIMEOUT_SECONDS, stop.signal);
    let placed = false;
    try {
      placed = await window.acquire(expired);
      if (!placed) {
        throw new MonWriteError(
          key,
          -ETIMEDOUT,
          `timed out after ${WRITE_TIMEOUT_SECONDS}s waiting behind earlier writes: '${cmd.prefix}' was not sent`,
        );
      }
      const left = Math.max(0, WRITE_TIMEOUT_SECONDS - (s.clock.now() - started));
      return await s.link.monCommand(cmd, "", { ...asMgr, timeout: left });
    } finally {
      stop.abort();
      if (placed) window.release();
    }
  };
  return (record, log, signal) => {
    const module = record.name;
    const prefix = `mgr/${module}/`;
    const ctx: ModuleContext & { options: ReadonlyMap<string, unknown> } = {
      moduleName: module,
      mgrId: s.mgrId,
      clock: s.clock,
      log,
      shutdownSignal: signal,
      options: record.options,
      childLogger: (name) => s.log.moduleLogger(module, name),
      haveMonConnection: () => s.link.connected(),
      cephOption: (key) => s.config.cephOption(key),
      foreignCephOption: (entity, key) => foreignCephOption(s, entity, key),
      isAuthorized: (args) => s.host().isAuthorized(module, args),
      setDeviceWearLevel: async (devid, level) => {
        const devices = s.get("devices") as { devices?: { devid: string }[] } | null;
        const known = devices?.devices?.some((d) => d.devid === devid) ?? false;
        const val = s.deviceMetadata.setWearLevel(devid, level, known);
        const key = `${DEVICE_KEY_PREFIX}${devid}`;
        const r = await monWrite(key, { prefix: "config-key set", key, val });
        if (r.r !== 0) throw new MonWriteError(key, r.r, r.outs);
      },
      moduleOptionText: (m, key, localizedFor) => s.config.moduleOptionText(m, key, localizedFor),
      setModuleOptionText: async (m, key, value) => {
        const name = `mgr/${m}/${key}`;
        const result = value === null
          ? await monWrite(name, { prefix: "config rm", who: "mgr", name })
          : await monWrite(name, { prefix: "config set", who: "mgr", name, value });
        if (result.r !== 0) throw new MonWriteError(name, result.r, result.outs);
        s.config.setForMgr(name, value);
      },
      storeGet: (key) => s.kv.get(prefix + key),
      storePrefix: (p) => {
        const out: Record<string, string> = {};
        for (const [k, v] of s.kv.under(prefix + p)) out[k.slice(prefix.length)] = v;
        return out;
      },
      storeSet: async (key, value) => {
        const full = prefix + key;
        const result = value === null
          ? await monWrite(full, { prefix: "config-key rm", key: full })
          : await monWrite(full, { prefix: "config-key set", key: full, val: value });
        if (result.r !== 0) {
          log.error(`set_store ${key}: mon answered ${result.r}: ${result.outs}`);
          throw new MonWriteError(full, result.r, result.outs);
        }
        // Only now, and only what the mon took: reads never run ahead of the mon.
        s.kv.set(full, value);
      },
      monCommand: (cmd, inbuf, options) =>
        s.link.monCommand(cmd, inbuf, { ...options, entity: asMgr.entity }),
      // A daemon's command travels with its target, as librados' json_command carries one.
      daemonCommand: (type, id, cmd, inbuf) =>
        s.link.monCommand(type === "mon" ? cmd : { ...cmd, target: [type, id] }, inbuf, asMgr),
      notifyCommand: (tag) => s.host().notifyAll("command", tag),
      setHealthChecks: (checks) => {
        s.host().setHealthChecks(module, checks);
      },
      setUri: (uri) => s.setUri(module, uri),
      activeUri: () => s.activeUri(module),
      clusterLog: (channel, priority, message) => s.clusterLog(channel, priority, message),
      updateProgress: (id, message, progress, addToCephS) =>
        s.progress.update(id, message, progress, addToCephS, s.clock.now()),
      completeProgress: (id) => void s.progress.delete(id),
      clearProgress: () => s.progress.clear(),
      remote: (m, method, args) => s.host().remote(m, method, args),
      get: (name, mutable) => s.get(name, mutable),
      ...(s.getVersion ? { getVersion: (name: string) => s.getVersion!(name) } : {}),
      daemonHealthMetrics: () => s.daemonHealthMetrics(),
      daemons: () => s.daemons(),
      perf: s.perf,
      rados: () => s.link.rados?.(),
      cephfs: () => s.link.cephfs?.(),
      random: () => s.random,
      ...(s.osdPerfStats ? { osdPerfStats: () => s.osdPerfStats!() } : {}),
      ...(s.daemonHealthBulk ? { daemonHealthBulk: () => s.daemonHealthBulk!() } : {}),
      ...(s.osdPerfQueries ? { osdPerfQueries: () => s.osdPerfQueries!() } : {}),
    };
    return ctx;
  };
}

/** The entity types EntityName::from_str knows. */
const ENTITY_TYPES = new Set(["auth", "mon", "osd", "mds", "mgr", "client"]);

/**
 * ActivePyModules::get_foreign_config: the option as `who` would get it, an OSD's CRUSH
 * location and device class deciding its masked entries.
 */
function foreignCephOption(s: ModuleContextSources, who: string, key: string): OptionValue {
  const schema = cephOptionSchema(key, who.startsWith("client.") || who === "client");
  if (schema === undefined) throw new Error(`option not found: ${key}`);
  const dot = who.indexOf(".");
  const type = dot < 0 ? who : who.slice(0, dot);
  if (!ENTITY_TYPES.has(type)) throw new Error(`invalid entity: ${who}`);
  const name = dot < 0 ? `${who}.` : who;
  let location: Record<string, string> = {};
  let deviceClass = "";
  const id = Number(name.slice(type.length + 1));
  if (type === "osd" && /^\d+$/.test(name.slice(4))) {
    const crush = s.get("osd_map_crush") as CrushDump | null;
    if (crush) {
      location = crushLocation(crush, id);
      deviceClass = crush.devices.find((d) => d.id === id)?.class ?? "";
    }
  }
  const text = s.config.foreignOptionText({ type, name }, key, location, deviceClass) ??
    schema.default;
  return typedOptionValue(schema.type, text) as OptionValue;
}
