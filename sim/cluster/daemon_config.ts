/**
 * The running configuration a simulated daemon reports to the manager (what `config show
 * <daemon>` prints, from Ceph's MMgrReport): the simulated daemons run without a ceph.conf, so
 * it is their daemon type's compiled-in defaults, the override every daemon has, and what the
 * mon's config DB sets for them (`global`, then the type, then the daemon). The per-type
 * defaults are those real 16.2.15 daemons reported (tests/ceph-reference/cli/commands/
 * config_show_*).
 *
 * @module
 */
import type { ConfigEntry, DaemonConfigReport } from "../../core/cluster_link.ts";

/** Defaults each daemon binary sets before it reads any configuration (global_init's). */
function typeDefaults(type: string): Record<string, string> {
  const d: Record<string, string> = {
    keyring: `$${type}_data/keyring`,
    rbd_default_features: "61",
  };
  if (type === "osd" || type === "mon") d.leveldb_log = "";
  if (type === "mon") {
    Object.assign(d, {
      leveldb_block_size: "65536",
      leveldb_cache_size: "536870912",
      leveldb_compression: "false",
      leveldb_write_buffer_size: "33554432",
    });
  }
  return d;
}

/**
 * What daemon `type.id` reports, over the config DB's `entries`; masked entries (by host or
 * device class) are not applied, as the simulated mon does not apply them either.
 *
 * @example
 * ```ts
 * import { simDaemonConfig } from "./daemon_config.ts";
 * const r = simDaemonConfig("osd", "0", [
 *   { section: "osd", name: "osd_max_backfills", value: "3", mask: "" },
 * ]);
 * const o = r.config.find((c) => c.name === "osd_max_backfills");
 * if (o?.levels.at(-1)?.source !== "mon") throw new Error("set by the mon");
 * ```
 */
export function simDaemonConfig(
  type: string,
  id: string,
  entries: readonly ConfigEntry[],
): DaemonConfigReport {
  const defaults = typeDefaults(type);
  const levels = new Map<string, { source: string; value: string }[]>();
  for (const [name, value] of Object.entries(defaults)) {
    levels.set(name, [{ source: "default", value }]);
  }
  const fromMon = new Map<string, string>();
  for (const section of ["global", type, `${type}.${id}`]) {
    for (const e of entries) {
      if (e.section === section && e.mask === "") fromMon.set(e.name, e.value);
    }
  }
  for (const [name, value] of fromMon) {
    levels.set(name, [...(levels.get(name) ?? []), { source: "mon", value }]);
  }
  // Every real 16.2 daemon reports this one at the override level.
  levels.set("no_config_file", [...(levels.get("no_config_file") ?? []), {
    source: "override",
    value: "false",
  }]);
  const config = [...levels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, l]) => ({ name, levels: l }));
  return { config, defaults };
}
