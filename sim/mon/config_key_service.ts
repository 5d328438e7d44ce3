/**
 * ConfigKeyService (KVMonitor in Ceph 16.2): the config-key store, `config-key
 * get/set/put/rm/del/exists/ls/list/dump`. Entries live in the {@link MonStore}; every change
 * is pushed to the mon's sessions (a manager's session passes on the `mgr/` keys). Messages,
 * return codes and output formats are those of src/mon/KVMonitor.cc.
 *
 * @module
 */
import type { ClusterUpdate, CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EFBIG, EINVAL, ENOENT } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import type { MonStore } from "./mon_store.ts";
import { DEPRECATED, err, formatterFor, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const CONFIG_KEY_COMMANDS: readonly CommandSignature[] = [
  { sig: "config-key get name=key,type=CephString", help: "get <key>", perm: "r" },
  { sig: "config-key set name=key,type=CephString name=val,type=CephString,req=false", help: "set <key> to value <val>", perm: "rw" },
  { sig: "config-key put name=key,type=CephString name=val,type=CephString,req=false", help: "put <key>, value <val>", perm: "rw", flags: DEPRECATED },
  { sig: "config-key del name=key,type=CephString", help: "delete <key>", perm: "rw", flags: DEPRECATED },
  { sig: "config-key rm name=key,type=CephString", help: "rm <key>", perm: "rw" },
  { sig: "config-key exists name=key,type=CephString", help: "check for <key>'s existence", perm: "r" },
  { sig: "config-key list", help: "list keys", perm: "r", flags: DEPRECATED },
  { sig: "config-key ls", help: "list keys", perm: "r" },
  { sig: "config-key dump name=key,type=CephString,req=false", help: "dump keys and values (with optional prefix)", perm: "r" },
];

/** What ConfigKeyService needs of its mon. */
export interface ConfigKeyServiceOptions {
  /** An integer option's value as the mon sees it (`mon_config_key_max_entry_size`). */
  monSizeOption(name: string): bigint;
  /** Tells the mon's sessions of a change. */
  emit: (u: ClusterUpdate) => void;
}

/** The embedded mon's config-key store. */
export class ConfigKeyService implements Monitor {
  readonly commands = CONFIG_KEY_COMMANDS;
  readonly #store: MonStore;
  readonly #opts: ConfigKeyServiceOptions;

  constructor(store: MonStore, options: ConfigKeyServiceOptions) {
    this.#store = store;
    this.#opts = options;
  }

  handle(
    prefix: string,
    cmd: Record<string, unknown>,
    inbuf: string | undefined,
  ): MonCommandResult {
    switch (prefix) {
      case "config-key set":
      case "config-key put":
      case "config-key rm":
      case "config-key del":
        return this.#write(prefix, cmd, inbuf);
      default:
        return this.#read(prefix, cmd);
    }
  }

  #read(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const store = this.#store;
    const key = str(cmd.key) ?? "";
    if (prefix === "config-key get") {
      const v = store.getKv(key);
      return v === undefined ? err(-ENOENT) : ok(v);
    }
    if (prefix === "config-key exists") {
      return store.getKv(key) === undefined
        ? err(-ENOENT, `key '${key}' doesn't exist`)
        : ok("", `key '${key}' exists`);
    }
    const f = formatterFor(cmd) ?? "json-pretty";
    // KVMonitor's listings end with a newline in either JSON format.
    const nl = f === "json" ? "\n" : "";
    if (prefix === "config-key ls" || prefix === "config-key list") {
      return ok(formatJson(store.kvKeys(), f) + nl);
    }
    const out: Record<string, string> = {};
    for (const k of store.kvKeys()) {
      if (key && !k.startsWith(key)) continue;
      const v = store.getKv(k)!;
      out[k] = isBinaryString(v) ? `<<< binary blob of length ${byteLength(v)} >>>` : v;
    }
    return ok(formatJson(out, f) + nl);
  }

  #write(
    prefix: string,
    cmd: Record<string, unknown>,
    inbuf: string | undefined,
  ): MonCommandResult {
    const key = str(cmd.key);
    if (key === undefined) return err(-EINVAL, "must specify a key");
    if (prefix === "config-key set" || prefix === "config-key put") {
      const data = str(cmd.val) ?? inbuf ?? "";
      const limit = this.#opts.monSizeOption("mon_config_key_max_entry_size");
      if (BigInt(byteLength(data)) > limit) {
        return err(
          -EFBIG,
          `error: entry size limited to ${limit} bytes. ` +
            "Use 'mon config key max entry size' to manually adjust",
        );
      }
      if (this.#store.getKv(key) !== data) {
        this.#store.setKv(key, data);
        this.#opts.emit({ kind: "kv", key, value: data });
      }
      return ok("", `set ${key}`);
    }
    if (this.#store.rmKv(key)) this.#opts.emit({ kind: "kv", key, value: null });
    return ok("", "key deleted");
  }
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** KVMonitor's is_binary_string: control characters other than \n and \t, or bytes >= 0x7f. */
function isBinaryString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a && c !== 0x09) || c >= 0x7f) return true;
  }
  return false;
}
