/**
 * `get("osd_crush_map_text")`: the CRUSH map as `crushtool -d` prints it, laid out as Ceph
 * Pacific's `CrushCompiler::decompile` does (tunables that differ from the legacy defaults,
 * devices, types, buckets children first, rules with `min_size`/`max_size`). Built from the
 * `osd_map_crush` dump, so the two never disagree.
 *
 * @module
 */

import type { Json } from "./osd_map_dump.ts";

/** The part of an `osd_map_crush` dump (CrushWrapper::dump) the decompiler reads. */
export interface CrushDump {
  devices: { id: number; name: string; class?: string }[];
  types: { type_id: number; name: string }[];
  buckets: {
    id: number;
    name: string;
    type_id: number;
    type_name: string;
    weight: number;
    alg: string;
    hash: string;
    items: { id: number; weight: number; pos: number }[];
  }[];
  rules: {
    rule_id: number;
    rule_name: string;
    ruleset?: number;
    type: number;
    min_size?: number;
    max_size?: number;
    steps: { op: string; item?: number; item_name?: string; num?: number; type?: string }[];
  }[];
  tunables: Record<string, Json>;
}

/** Tunables and the values `decompile` leaves out (the legacy defaults). */
const _TUNABLE_DEFAULTS: readonly [string, number][] = [
  ["choose_local_tries", 2],
  ["choose_local_fallback_tries", 5],
  ["choose_total_tries", 19],
  ["chooseleaf_descend_once", 0],
  ["chooseleaf_vary_r", 0],
  ["chooseleaf_stable", 0],
  ["straw_calc_version", 0],
  // CRUSH_LEGACY_ALLOWED_BUCKET_ALGS: uniform, list and straw.
  ["allowed_bucket_algs", 22],
];

const _HASH_IDS: Record<string, number> = { rjenkins1: 0 };

/** `print_fixedpoint`: a 16.16 weight with three decimals, through a C float. */
function _fixed(w: number): string {
  return Math.fround(w / 0x10000).toFixed(3);
}

/**
 * Decompiles an `osd_map_crush` dump into CRUSH map text.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { dumpOsdMapCrush } from "./osd_map_dump.ts";
 * import { type CrushDump, decompileCrushMap } from "./crush_text.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 2, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const text = decompileCrushMap(dumpOsdMapCrush(c.map) as unknown as CrushDump);
 * if (!text.startsWith("# begin crush map\n")) throw new Error();
 * if (!text.includes("device 1 osd.1 class hdd\n")) throw new Error();
 * ```
 */
export function decompileCrushMap(crush: CrushDump): string {
  const out: string[] = ["# begin crush map\n"];
  for (const [name, dflt] of _TUNABLE_DEFAULTS) {
    const v = crush.tunables[name];
    if (typeof v === "number" && v !== dflt) out.push(`tunable ${name} ${v}\n`);
  }

  out.push("\n# devices\n");
  for (const d of [...crush.devices].sort((a, b) => a.id - b.id)) {
    out.push(`device ${d.id} ${d.name}${d.class ? ` class ${d.class}` : ""}\n`);
  }

  out.push("\n# types\n");
  const typeName = new Map<number, string>();
  for (const t of [...crush.types].sort((a, b) => a.type_id - b.type_id)) {
    typeName.set(t.type_id, t.name);
    out.push(`type ${t.type_id} ${t.name}\n`);
  }

  // Shadow buckets (`host~hdd`) are not printed; their ids appear as `id <n> class <c>` lines
  // of the bucket they shadow, in the order the classes were created.
  const byId = new Map(crush.buckets.map((b) => [b.id, b]));
  const classIds = new Map<string, [string, number][]>();
  for (const b of crush.buckets) {
    const tilde = b.name.indexOf("~");
    if (tilde < 0) continue;
    const base = b.name.slice(0, tilde);
    let list = classIds.get(base);
    if (!list) classIds.set(base, list = []);
    list.push([b.name.slice(tilde + 1), b.id]);
  }
  // By id: a search per item would be devices × items (10,000 OSDs: hundreds of ms).
  const deviceName = new Map(crush.devices.map((d) => [d.id, d.name]));
  const itemName = (id: number): string =>
    id >= 0 ? deviceName.get(id) ?? `device${id}` : byId.get(id)?.name ?? `bucket${-1 - id}`;

  out.push("\n# buckets\n");
  const done = new Set<number>();
  const decompile = (id: number): void => {
    const b = byId.get(id);
    if (!b || done.has(id)) return;
    done.add(id);
    for (const item of b.items) if (item.id < 0) decompile(item.id);
    if (b.name.includes("~")) return;
    out.push(`${typeName.get(b.type_id) ?? `type${b.type_id}`} ${b.name} {\n`);
    out.push(`\tid ${b.id}\t\t# do not change unnecessarily\n`);
    for (const [cls, cid] of classIds.get(b.name) ?? []) {
      out.push(`\tid ${cid} class ${cls}\t\t# do not change unnecessarily\n`);
    }
    out.push(`\t# weight ${_fixed(b.weight)}\n`);
    out.push(`\talg ${b.alg}\n`);
    out.push(`\thash ${_HASH_IDS[b.hash] ?? 0}\t# ${b.hash}\n`);
    for (const item of b.items) {
      out.push(`\titem ${itemName(item.id)} weight ${_fixed(item.weight)}\n`);
    }
    out.push("}\n");
  };
  const ids = crush.buckets.map((b) => b.id).sort((a, b) => b - a);
  for (const id of ids) decompile(id);

  out.push("\n# rules\n");
  for (const r of [...crush.rules].sort((a, b) => a.rule_id - b.rule_id)) {
    out.push(`rule ${r.rule_name} {\n\tid ${r.rule_id}\n`);
    const ruleset = r.ruleset ?? r.rule_id;
    if (ruleset !== r.rule_id) {
      out.push(
        `\t# WARNING: ruleset ${ruleset} != id ${r.rule_id}; this will not recompile to the same map\n`,
      );
    }
    out.push(`\ttype ${r.type === 1 ? "replicated" : r.type === 3 ? "erasure" : r.type}\n`);
    if (r.min_size !== undefined) out.push(`\tmin_size ${r.min_size}\n`);
    if (r.max_size !== undefined) out.push(`\tmax_size ${r.max_size}\n`);
    for (const s of r.steps) out.push(_step(s, itemName));
    out.push("}\n");
  }
  out.push("\n# end crush map\n");
  return out.join("");
}

function _step(
  s: CrushDump["rules"][number]["steps"][number],
  itemName: (id: number) => string,
): string {
  switch (s.op) {
    case "take": {
      // A class-restricted take names the shadow root: print it as `<root> class <class>`.
      const name = s.item_name ?? itemName(s.item ?? 0);
      const tilde = name.indexOf("~");
      return tilde < 0
        ? `\tstep take ${name}\n`
        : `\tstep take ${name.slice(0, tilde)} class ${name.slice(tilde + 1)}\n`;
    }
    case "emit":
      return "\tstep emit\n";
    case "noop":
      return "\tstep noop\n";
    case "choose_firstn":
    case "choose_indep":
    case "chooseleaf_firstn":
    case "chooseleaf_indep": {
      const [verb, mode] = s.op.split("_") as [string, string];
      return `\tstep ${verb} ${mode} ${s.num ?? 0} type ${s.type ?? "osd"}\n`;
    }
    default:
      // set_choose_tries, set_chooseleaf_vary_r, ...: `step <op> <value>`.
      return `\tstep ${s.op} ${s.num ?? s.item ?? 0}\n`;
  }
}
