/**
 * OSDMonitor's pool quota, application and erasure-code-profile commands
 * (`osd pool get-quota/set-quota`, `osd pool application enable/disable/set/rm/get`,
 * `osd erasure-code-profile ls/get`), over the simulated cluster's pools, with the texts,
 * return codes and JSON of Ceph 16.2's src/mon/OSDMonitor.cc, checked against a real 16.2.15
 * cluster (tests/ceph-reference/cli/commands/osd_pool_*). One more monitor the mon routes to
 * by prefix, apart from osd_monitor.ts.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EINVAL, ENOENT, EPERM } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import { ownValue, setOwn } from "../../core/own_keys.ts";
import { strictIecCast, strictSiCast } from "../../ceph/option_value.ts";
import { bytesText, siText } from "../../ceph/units.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import type { Pool } from "../cluster/osd_map.ts";
import { err, formatterFor, isForce, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const POOL_COMMANDS: readonly CommandSignature[] = [
  { sig: "osd pool get-quota name=pool,type=CephPoolname", help: "obtain object or byte limits for pool", perm: "r" },
  { sig: "osd pool set-quota name=pool,type=CephPoolname name=field,type=CephChoices,strings=max_objects|max_bytes name=val,type=CephString", help: "set object or byte limit on pool", perm: "rw" },
  { sig: "osd pool application enable name=pool,type=CephPoolname name=app,type=CephString,goodchars=[A-Za-z0-9-_.] name=yes_i_really_mean_it,type=CephBool,req=false", help: "enable use of an application <app> [cephfs,rbd,rgw] on pool <poolname>", perm: "rw" },
  { sig: "osd pool application disable name=pool,type=CephPoolname name=app,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false", help: "disables use of an application <app> on pool <poolname>", perm: "rw" },
  { sig: "osd pool application set name=pool,type=CephPoolname name=app,type=CephString name=key,type=CephString,goodchars=[A-Za-z0-9-_.] name=value,type=CephString,goodchars=[A-Za-z0-9-_.=]", help: "sets application <app> metadata key <key> to <value> on pool <poolname>", perm: "rw" },
  { sig: "osd pool application rm name=pool,type=CephPoolname name=app,type=CephString name=key,type=CephString", help: "removes application <app> metadata key <key> on pool <poolname>", perm: "rw" },
  { sig: "osd pool application get name=pool,type=CephPoolname,req=false name=app,type=CephString,req=false name=key,type=CephString,req=false", help: "get value of key <key> of application <app> on pool <poolname>", perm: "r" },
  { sig: "osd erasure-code-profile ls", help: "list all erasure code profiles", perm: "r" },
  { sig: "osd erasure-code-profile get name=name,type=CephString,goodchars=[A-Za-z0-9-_.]", help: "get erasure code profile <name>", perm: "r" },
];

/** OSDMonitor's limits on applications (MAX_POOL_APPLICATIONS, ..._KEYS, ..._LENGTH). */
const MAX_APPS = 4;
const MAX_KEYS = 64;
const MAX_LENGTH = 128;

/** The profiles a new cluster has: `default`, as `osd_pool_default_erasure_code_profile`. */
const EC_PROFILES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  default: { k: "2", m: "2", plugin: "jerasure", technique: "reed_sol_van" },
};

/** A JSON dump, a newline after compact JSON (json-pretty has its own). */
function line(value: unknown, f: "json" | "json-pretty"): string {
  const text = formatJson(value, f);
  return f === "json" ? text + "\n" : text;
}

/** The embedded mon's pool quota, application and EC profile commands. */
export class OSDPoolMonitor implements Monitor {
  readonly commands = POOL_COMMANDS;
  readonly #cluster: SimCluster;

  constructor(cluster: SimCluster) {
    this.#cluster = cluster;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    switch (prefix) {
      case "osd pool get-quota":
        return this.#withPool(cmd, (p) => this.#getQuota(p, cmd));
      case "osd pool set-quota":
        return this.#withPool(cmd, (p) => this.#setQuota(p, cmd));
      case "osd pool application get":
        return this.#applicationGet(cmd);
      case "osd pool application enable":
      case "osd pool application disable":
      case "osd pool application set":
      case "osd pool application rm":
        return this.#withPool(cmd, (p) => this.#application(prefix.split(" ")[3]!, p, cmd));
      case "osd erasure-code-profile ls": {
        const names = Object.keys(EC_PROFILES).sort();
        const f = formatterFor(cmd);
        return ok(f ? line(names, f) : names.map((n) => `${n}\n`).join(""));
      }
      case "osd erasure-code-profile get": {
        const name = str(cmd.name) ?? "";
        const profile = ownValue(EC_PROFILES, name);
        if (!profile) return err(-ENOENT, `unknown erasure code profile '${name}'`);
        const f = formatterFor(cmd);
        return ok(
          f ? line(profile, f) : Object.entries(profile).map(([k, v]) => `${k}=${v}\n`).join(""),
        );
      }
    }
    return err(-EINVAL, "command not known");
  }

  #withPool(cmd: Record<string, unknown>, fn: (p: Pool) => MonCommandResult): MonCommandResult {
    const name = str(cmd.pool) ?? "";
    const pool = this.#cluster.map.pools.find((p) => p.name === name);
    if (!pool) return err(-ENOENT, `unrecognized pool '${name}'`);
    return fn(pool);
  }

  /** The pool's objects and bytes as the PGMap sums them (its PGs' primaries' stats). */
  #usage(pool: Pool): { objects: number; bytes: number } {
    const pgs = this.#cluster.pgs;
    let objects = 0, bytes = 0;
    for (const p of pgs.poolPgs(pool.id)) {
      objects += pgs.objects[p] ?? 0;
      bytes += pgs.bytes[p] ?? 0;
    }
    return { objects, bytes };
  }

  #getQuota(pool: Pool, cmd: Record<string, unknown>): MonCommandResult {
    const { objects, bytes } = this.#usage(pool);
    const f = formatterFor(cmd);
    if (f) {
      return ok(line({
        pool_name: pool.name,
        pool_id: pool.id,
        quota_max_objects: pool.quotaMaxObjects,
        current_num_objects: objects,
        quota_max_bytes: pool.quotaMaxBytes,
        current_num_bytes: bytes,
      }, f));
    }
    const maxObjects = pool.quotaMaxObjects === 0
      ? "N/A"
      : `${siText(pool.quotaMaxObjects)} objects  (current num objects: ${objects} objects)`;
    const maxBytes = pool.quotaMaxBytes === 0
      ? "N/A"
      : `${bytesText(pool.quotaMaxBytes)}  (current num bytes: ${bytes} bytes)`;
    return ok(
      `quotas for pool '${pool.name}':\n  max objects: ${maxObjects}\n  max bytes  : ${maxBytes}\n`,
    );
  }

  #setQuota(pool: Pool, cmd: Record<string, unknown>): MonCommandResult {
    const field = str(cmd.field) ?? "";
    const val = str(cmd.val) ?? "";
    let parsed;
    if (field === "max_objects") parsed = strictSiCast(val, false);
    else if (field === "max_bytes") parsed = strictIecCast(val, true);
    else {
      return err(
        -EINVAL,
        `unrecognized field '${field}'; should be 'max_bytes' or 'max_objects'`,
      );
    }
    if (parsed.error) return err(-EINVAL, `error parsing value '${val}': ${parsed.error}`);
    const value = Number(parsed.value);
    this.#cluster.changePoolSettings(pool, `pool ${pool.name} ${field} ${value}`, (p) => {
      if (field === "max_objects") p.quotaMaxObjects = value;
      else p.quotaMaxBytes = value;
    });
    return ok("", `set-quota ${field} = ${value} for pool ${pool.name}`);
  }

  #application(verb: string, pool: Pool, cmd: Record<string, unknown>): MonCommandResult {
    const app = str(cmd.app) ?? "";
    const name = pool.name;
    const apps = pool.applications;
    const exists = Object.hasOwn(apps, app);
    const key = str(cmd.key) ?? "";
    if (key === "all") return err(-EINVAL, "key cannot be 'all'");
    const change = (label: string, fn: (a: Record<string, Record<string, string>>) => void) =>
      this.#cluster.changePoolSettings(pool, label, (p) => {
        fn(p.applications);
        p.application = Object.keys(p.applications)[0] ?? "";
      });
    if (verb === "enable") {
      if (app === "") return err(-EINVAL, "application name must be provided");
      const force = isForce(cmd.yes_i_really_mean_it);
      // Enabling an application the pool has is a new epoch that changes nothing (16.2).
      if (!exists && Object.keys(apps).length > 0 && !force) {
        return err(
          -EPERM,
          `Are you SURE? Pool '${name}' already has an enabled application; pass ` +
            "--yes-i-really-mean-it to proceed anyway",
        );
      }
      if (!exists && !force && Object.keys(apps).length >= MAX_APPS) {
        return err(-EINVAL, `too many enabled applications on pool '${name}'; max ${MAX_APPS}`);
      }
      if (app.length > MAX_LENGTH) {
        return err(-EINVAL, `application name '${app}' too long; max length ${MAX_LENGTH}`);
      }
      change(`pool ${name} application enable ${app}`, (a) => {
        if (!Object.hasOwn(a, app)) setOwn(a, app, {});
      });
      return ok("", `enabled application '${app}' on pool '${name}'`);
    }
    if (verb === "disable") {
      if (!isForce(cmd.yes_i_really_mean_it)) {
        return err(
          -EPERM,
          "Are you SURE? Disabling an application within a pool might result in loss of " +
            "application functionality; pass --yes-i-really-mean-it to proceed anyway",
        );
      }
      if (!exists) return ok("", `application '${app}' is not enabled on pool '${name}'`);
      change(`pool ${name} application disable ${app}`, (a) => delete a[app]);
      return ok("", `disable application '${app}' on pool '${name}'`);
    }
    if (!exists) return err(-ENOENT, `application '${app}' is not enabled on pool '${name}'`);
    const keys = ownValue(apps, app)!;
    if (verb === "set") {
      if (key === "") return err(-EINVAL, "key must be provided");
      if (!Object.hasOwn(keys, key) && Object.keys(keys).length >= MAX_KEYS) {
        return err(
          -EINVAL,
          `too many keys set for application '${app}' on pool '${name}'; max ${MAX_KEYS}`,
        );
      }
      if (key.length > MAX_LENGTH) {
        return err(-EINVAL, `key '${app}' too long; max length ${MAX_LENGTH}`);
      }
      const value = str(cmd.value) ?? "";
      if (value === "") return err(-EINVAL, "value must be provided");
      if (value.length > MAX_LENGTH) {
        return err(-EINVAL, `value '${value}' too long; max length ${MAX_LENGTH}`);
      }
      change(
        `pool ${name} application set ${app} ${key}`,
        (a) => setOwn(ownValue(a, app)!, key, value),
      );
      return ok("", `set application '${app}' key '${key}' to '${value}' on pool '${name}'`);
    }
    if (!Object.hasOwn(keys, key)) {
      return ok("", `application '${app}' on pool '${name}' does not have key '${key}'`);
    }
    change(`pool ${name} application rm ${app} ${key}`, (a) => delete ownValue(a, app)![key]);
    return ok("", `removed application '${app}' key '${key}' on pool '${name}'`);
  }

  #applicationGet(cmd: Record<string, unknown>): MonCommandResult {
    const f = formatterFor(cmd) ?? "json-pretty";
    const poolName = str(cmd.pool) ?? "";
    const pools = this.#cluster.map.pools;
    if (poolName === "") {
      return ok(formatJson(Object.fromEntries(pools.map((p) => [p.name, p.applications])), f));
    }
    const pool = pools.find((p) => p.name === poolName);
    if (!pool) return err(-ENOENT, `unrecognized pool '${poolName}'`);
    const app = str(cmd.app) ?? "";
    if (app === "") return ok(formatJson(pool.applications, f));
    const keys = ownValue(pool.applications, app);
    if (!keys) return err(-ENOENT, `pool '${poolName}' has no application '${app}'`);
    const key = str(cmd.key) ?? "";
    if (key === "") return ok(formatJson(keys, f));
    if (!Object.hasOwn(keys, key)) {
      return err(-ENOENT, `application '${app}' on pool '${poolName}' does not have key '${key}'`);
    }
    // The value alone, whatever the format (16.2.15 dumps no JSON for one key).
    return ok(`${keys[key]}\n`);
  }
}
