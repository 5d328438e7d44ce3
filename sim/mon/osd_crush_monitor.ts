/**
 * OSDMonitor's CRUSH commands: `osd crush rule create-replicated`, and the read commands (`osd crush tree`, `osd crush dump`, `osd crush rule ls`,
 * `osd crush rule dump`, `osd crush class ls`, `osd crush ls`, `osd crush show-tunables`,
 * `osd crush weight-set ls`, `osd getcrushmap`) over the simulated cluster's CRUSH map, from the same dump as
 * `get('osd_map_crush')`, printed as Ceph 16.2's OSDMonitor.cc and CrushTreeDumper.h do,
 * checked against a real 16.2.15 cluster (tests/ceph-reference/cli/commands/osd_crush_*).
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EINVAL, ENOENT, EOPNOTSUPP } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import { textTable } from "../../ceph/text_table.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import { encodeCrushMap } from "../cluster/crush_binary.ts";
import { CRUSH_TYPES } from "../cluster/crush_map.ts";
import type { CrushDump as FullCrushDump } from "../cluster/crush_text.ts";
import { dumpOsdMapCrush, type Json } from "../cluster/osd_map_dump.ts";
import { err, formatterFor, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const CRUSH_COMMANDS: readonly CommandSignature[] = [
  { sig: "osd crush tree name=shadow,type=CephChoices,strings=--show-shadow,req=false", help: "dump crush buckets and items in a tree view", perm: "r" },
  { sig: "osd crush dump", help: "dump crush map", perm: "r" },
  { sig: "osd crush rule ls", help: "list crush rules", perm: "r" },
  { sig: "osd crush rule dump name=name,type=CephString,goodchars=[A-Za-z0-9-_.],req=false", help: "dump crush rule <name> (default all)", perm: "r" },
  { sig: "osd crush rule create-replicated name=name,type=CephString,goodchars=[A-Za-z0-9-_.] name=root,type=CephString,goodchars=[A-Za-z0-9-_.] name=type,type=CephString,goodchars=[A-Za-z0-9-_.] name=class,type=CephString,goodchars=[A-Za-z0-9-_.],req=false", help: "create crush rule <name> for replicated pool to start from <root>, replicate across buckets of type <type>, use devices of type <class> (ssd or hdd)", perm: "rw" },
  { sig: "osd crush class ls", help: "list all crush device classes", perm: "r" },
  { sig: "osd crush ls name=node,type=CephString,goodchars=[A-Za-z0-9-_.]", help: "list items beneath a node in the CRUSH tree", perm: "r" },
  { sig: "osd crush show-tunables", help: "show current crush tunables", perm: "r" },
  { sig: "osd crush weight-set ls", help: "list crush weight sets", perm: "r" },
  { sig: "osd getcrushmap name=epoch,type=CephInt,range=0,req=false", help: "get CRUSH map", perm: "r" },
];

interface Bucket {
  id: number;
  name: string;
  type_id: number;
  type_name: string;
  weight: number;
  items: { id: number; weight: number; pos: number }[];
}
interface Device {
  id: number;
  name: string;
  class?: string;
}
interface CrushDump {
  devices: Device[];
  types: { type_id: number; name: string }[];
  buckets: Bucket[];
  rules: { rule_name: string }[];
  tunables: Json;
  choose_args: Json;
}

/** A row of the tree: a bucket or a device, at its depth. */
interface TreeItem {
  id: number;
  depth: number;
  weight: number;
}

/** A dump the mon ends with one more newline (rule dump, show-tunables, crush dump). */
function withNewline(value: unknown, f: "json" | "json-pretty"): string {
  return formatJson(value, f) + "\n";
}

/** The embedded mon's CRUSH read commands, over a simulated cluster's CRUSH map. */
export class OSDCrushMonitor implements Monitor {
  readonly commands = CRUSH_COMMANDS;
  readonly #cluster: SimCluster;

  constructor(cluster: SimCluster) {
    this.#cluster = cluster;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const dump = dumpOsdMapCrush(this.#cluster.map) as unknown as CrushDump;
    const f = formatterFor(cmd);
    switch (prefix) {
      case "osd crush tree":
        return ok(this.#tree(dump, cmd.shadow === "--show-shadow", f));
      case "osd crush dump":
        return ok(withNewline(dump, f ?? "json-pretty"));
      case "osd crush rule ls": {
        const names = dump.rules.map((r) => r.rule_name);
        return ok(f ? formatJson(names, f) : names.map((n) => `${n}\n`).join(""));
      }
      case "osd crush rule dump": {
        const name = str(cmd.name);
        if (name === undefined) return ok(withNewline(dump.rules, f ?? "json-pretty"));
        const rule = dump.rules.find((r) => r.rule_name === name);
        if (!rule) return err(-ENOENT, `unknown crush rule '${name}'`);
        return ok(withNewline(rule, f ?? "json-pretty"));
      }
      case "osd crush rule create-replicated":
        return this.#createReplicated(dump, cmd);
      case "osd crush class ls": {
        const classes = [...new Set(dump.devices.flatMap((d) => d.class ? [d.class] : []))].sort();
        return ok(formatJson(classes, f ?? "json-pretty"));
      }
      case "osd crush ls": {
        const node = str(cmd.node) ?? "";
        const bucket = dump.buckets.find((b) => b.name === node);
        if (!bucket) return err(-ENOENT, `node '${node}' does not exist`);
        const names = bucket.items.map((i) => this.#name(dump, i.id));
        return ok(f ? formatJson(names, f) : names.map((n) => `${n}\n`).join(""));
      }
      case "osd crush show-tunables":
        return ok(withNewline(dump.tunables, f ?? "json-pretty"));
      case "osd crush weight-set ls":
        // The simulated CRUSH map has no weight sets (choose_args).
        return ok(f ? formatJson([], f) : "");
      case "osd getcrushmap":
        return this.#getCrushMap(dump, cmd.epoch);
    }
    return err(-EINVAL, "command not known");
  }

  /**
   * The encoded map, with the CRUSH version (not the epoch) in outs, as 16.2's OSDMonitor
   * says it; for an older epoch the map as it was then, from the mon's kept epochs
   * (sim/cluster/crush_history.ts), ENOENT once trimmed or before it exists.
   */
  #getCrushMap(dump: CrushDump, epoch: unknown): MonCommandResult {
    const map = this.#cluster.map;
    if (epoch === undefined || Number(epoch) === map.epoch) {
      const bytes = encodeCrushMap(dump as unknown as FullCrushDump);
      return { r: 0, outb: "", outs: String(map.crush.version), outbBytes: bytes };
    }
    const kept = this.#cluster.crushHistory.at(Number(epoch));
    if (kept === undefined) return err(-ENOENT, `there is no map for epoch ${Number(epoch)}`);
    return { r: 0, outb: "", outs: String(kept.version), outbBytes: kept.bytes };
  }

  /**
   * OSDMonitor's `osd crush rule create-replicated` and CrushWrapper::add_simple_rule_at, in
   * their order of checks (tests/ceph-reference/localpool/crush_rule_cli.json): an existing
   * name is answered 0, then the root, the type and the device class are checked.
   */
  #createReplicated(dump: CrushDump, cmd: Record<string, unknown>): MonCommandResult {
    const name = str(cmd.name) ?? "";
    const root = str(cmd.root) ?? "";
    const type = str(cmd.type) ?? "";
    const cls = str(cmd.class) ?? "";
    const crush = this.#cluster.map.crush;
    if (crush.ruleId(name) !== undefined) return ok("", `rule ${name} already exists`);
    const take = crush.bucketId(root);
    if (take === undefined) return err(-ENOENT, `root item ${root} does not exist`);
    const typeId = CRUSH_TYPES.indexOf(type);
    if (typeId < 0) return err(-EINVAL, `unknown type ${type}`);
    if (cls !== "") {
      if (!dump.devices.some((d) => d.class === cls)) {
        return err(-EINVAL, `device class ${cls} does not exist`);
      }
      return err(-EOPNOTSUPP, "the simulated cluster has no CRUSH rules by device class");
    }
    this.#cluster.addCrushRule(name, take, typeId);
    return ok("", "");
  }

  #name(dump: CrushDump, id: number): string {
    if (id >= 0) return dump.devices.find((d) => d.id === id)?.name ?? `osd.${id}`;
    return dump.buckets.find((b) => b.id === id)?.name ?? String(id);
  }

  /** CrushTreeDumper's walk: roots in id order (shadow ones first), children in item order. */
  #walk(dump: CrushDump, shadow: boolean): TreeItem[] {
    const byId = new Map(dump.buckets.map((b) => [b.id, b]));
    const children = new Set(dump.buckets.flatMap((b) => b.items.map((i) => i.id)));
    const roots = dump.buckets.filter((b) => !children.has(b.id))
      .filter((b) => shadow || !b.name.includes("~"))
      .map((b) => b.id).sort((a, b) => a - b);
    const out: TreeItem[] = [];
    const visit = (id: number, depth: number, weight: number) => {
      out.push({ id, depth, weight });
      for (const i of byId.get(id)?.items ?? []) visit(i.id, depth + 1, i.weight);
    };
    for (const r of roots) visit(r, 0, byId.get(r)!.weight);
    return out;
  }

  #tree(dump: CrushDump, shadow: boolean, f: "json" | "json-pretty" | null): string {
    const items = this.#walk(dump, shadow);
    const byId = new Map(dump.buckets.map((b) => [b.id, b]));
    const devices = new Map(dump.devices.map((d) => [d.id, d]));
    const classOf = (id: number): string => {
      if (id >= 0) return devices.get(id)?.class ?? "";
      const name = byId.get(id)?.name ?? "";
      return name.includes("~") ? name.slice(name.indexOf("~") + 1) : "";
    };
    if (f) {
      // In walk order: an OSD under a shadow root and its own root is listed under each.
      const nodes: Json[] = [];
      for (const it of items) {
        const cls = classOf(it.id);
        if (it.id >= 0) {
          nodes.push({
            id: it.id,
            ...(cls ? { device_class: cls } : {}),
            name: this.#name(dump, it.id),
            type: "osd",
            type_id: 0,
            crush_weight: it.weight / 0x10000,
            depth: it.depth,
            pool_weights: {},
          });
        } else {
          const b = byId.get(it.id)!;
          nodes.push({
            id: b.id,
            ...(cls ? { device_class: cls } : {}),
            name: b.name,
            type: b.type_name,
            type_id: b.type_id,
            ...(it.depth > 0 ? { pool_weights: {} } : {}),
            children: b.items.map((i) => i.id).reverse(),
          });
        }
      }
      return formatJson({ nodes, stray: [] }, f);
    }
    const rows = items.map((it) => {
      const name = it.id >= 0
        ? this.#name(dump, it.id)
        : `${byId.get(it.id)!.type_name} ${byId.get(it.id)!.name}`;
      return [
        String(it.id),
        classOf(it.id),
        (it.weight / 0x10000).toFixed(5),
        " ".repeat(4 * it.depth) + name,
      ];
    });
    return textTable(
      [["ID", "R"], ["CLASS", "R"], ["WEIGHT", "R"], "TYPE NAME"],
      rows,
    );
  }
}
