/**
 * The embedded mon's durable store: the config DB, the config-key store and the MgrMap in one
 * SQLite database (`node:sqlite`, WAL, `synchronous=FULL`). Every write method commits before it
 * returns, so a write that was acknowledged survives SIGKILL; reads are served from maps loaded
 * at open.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ConfigEntry } from "../../core/cluster_link.ts";
import type { MgrMap } from "../../ceph/mgr_map.ts";

/** How many past MgrMap epochs the store keeps for `mgr dump <epoch>` (mon_max_mgrmap_epochs). */
export const MGRMAP_HISTORY = 500;

function configKey(section: string, mask: string, name: string): string {
  return `${section}\u0000${mask}\u0000${name}`;
}

/** One option's change in a config version: its key (`osd/osd_max_backfills`), before, after. */
export interface ConfigChange {
  name: string;
  previous_value?: string;
  new_value?: string;
}

/** A version of the config DB, as `config log` lists it. */
export interface ConfigVersion {
  version: number;
  /** When it was committed (`utime_t`'s text; `0.000000` for the first). */
  stamp: string;
  changes: ConfigChange[];
}

/**
 * The mon's SQLite store.
 *
 * @example
 * ```ts
 * import { MonStore } from "./mon_store.ts";
 * const store = MonStore.open(":memory:");
 * store.setKv("mgr/foo/k", "v");
 * store.getKv("mgr/foo/k"); // "v"
 * store.close();
 * ```
 */
export class MonStore {
  readonly path: string;
  #db: DatabaseSync;
  #config = new Map<string, ConfigEntry>();
  #kv = new Map<string, string>();
  #mgrMap: MgrMap | null = null;
  #healthMutes = "[]";
  #stmts: {
    setConfig: StatementSync;
    rmConfig: StatementSync;
    setKv: StatementSync;
    rmKv: StatementSync;
    putMap: StatementSync;
    putHistory: StatementSync;
    trimHistory: StatementSync;
    getHistory: StatementSync;
    putMutes: StatementSync;
    putConfigVersion: StatementSync;
  };
  #depth = 0;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS config (
        section TEXT NOT NULL, mask TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (section, mask, name));
      CREATE TABLE IF NOT EXISTS config_key (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS mgr_map (
        id INTEGER PRIMARY KEY CHECK (id = 0), epoch INTEGER NOT NULL, map TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS mgr_map_history (epoch INTEGER PRIMARY KEY, map TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS health_mutes (
        id INTEGER PRIMARY KEY CHECK (id = 0), mutes TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS config_history (
        version INTEGER PRIMARY KEY, stamp TEXT NOT NULL, changes TEXT NOT NULL);
    `);
    this.#stmts = {
      setConfig: db.prepare(
        "INSERT INTO config (section, mask, name, value) VALUES (?, ?, ?, ?) " +
          "ON CONFLICT (section, mask, name) DO UPDATE SET value = excluded.value",
      ),
      rmConfig: db.prepare("DELETE FROM config WHERE section = ? AND mask = ? AND name = ?"),
      setKv: db.prepare(
        "INSERT INTO config_key (key, value) VALUES (?, ?) " +
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      rmKv: db.prepare("DELETE FROM config_key WHERE key = ?"),
      putMap: db.prepare(
        "INSERT INTO mgr_map (id, epoch, map) VALUES (0, ?, ?) " +
          "ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, map = excluded.map",
      ),
      putHistory: db.prepare("INSERT OR REPLACE INTO mgr_map_history (epoch, map) VALUES (?, ?)"),
      trimHistory: db.prepare("DELETE FROM mgr_map_history WHERE epoch <= ?"),
      getHistory: db.prepare("SELECT map FROM mgr_map_history WHERE epoch = ?"),
      putMutes: db.prepare(
        "INSERT INTO health_mutes (id, mutes) VALUES (0, ?) " +
          "ON CONFLICT (id) DO UPDATE SET mutes = excluded.mutes",
      ),
      putConfigVersion: db.prepare(
        "INSERT INTO config_history (version, stamp, changes) VALUES (?, ?, ?)",
      ),
    };
    this.#load();
  }

  /**
   * Opens (creating if needed) the store at `path` (`<data-dir>/mon/store.db`), or an in-memory
   * store for `":memory:"`. A database left by a killed process is recovered from its WAL.
   */
  static open(path: string): MonStore {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    try {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec("PRAGMA busy_timeout = 5000");
      return new MonStore(path, db);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  #load(): void {
    for (const row of this.#db.prepare("SELECT section, mask, name, value FROM config").all()) {
      const e = {
        section: String(row.section),
        name: String(row.name),
        value: String(row.value),
        mask: String(row.mask),
      };
      this.#config.set(configKey(e.section, e.mask, e.name), e);
    }
    for (const row of this.#db.prepare("SELECT key, value FROM config_key").all()) {
      this.#kv.set(String(row.key), String(row.value));
    }
    const m = this.#db.prepare("SELECT map FROM mgr_map WHERE id = 0").get();
    this.#mgrMap = m ? JSON.parse(String(m.map)) as MgrMap : null;
    const mutes = this.#db.prepare("SELECT mutes FROM health_mutes WHERE id = 0").get();
    this.#healthMutes = mutes ? String(mutes.mutes) : "[]";
  }

  /**
   * Runs `fn` as one transaction: its writes commit together when it returns (or roll back if
   * it throws). Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return fn();
    this.#db.exec("BEGIN IMMEDIATE");
    this.#depth++;
    try {
      const result = fn();
      this.#depth--;
      this.#db.exec("COMMIT");
      return result;
    } catch (e) {
      this.#depth--;
      this.#db.exec("ROLLBACK");
      this.#reload();
      throw e;
    }
  }

  #reload(): void {
    this.#config.clear();
    this.#kv.clear();
    this.#mgrMap = null;
    this.#load();
  }

  /** Every config DB entry, in no particular order. */
  configEntries(): ConfigEntry[] {
    return [...this.#config.values()].map((e) => ({ ...e }));
  }

  /** One config entry, or undefined. */
  getConfig(section: string, mask: string, name: string): ConfigEntry | undefined {
    return this.#config.get(configKey(section, mask, name));
  }

  /** Sets one config entry; committed on return. */
  setConfig(entry: ConfigEntry): void {
    this.#stmts.setConfig.run(entry.section, entry.mask, entry.name, entry.value);
    this.#config.set(configKey(entry.section, entry.mask, entry.name), { ...entry });
  }

  /** Removes one config entry; committed on return. Returns whether it existed. */
  rmConfig(section: string, mask: string, name: string): boolean {
    const k = configKey(section, mask, name);
    if (!this.#config.has(k)) return false;
    this.#stmts.rmConfig.run(section, mask, name);
    this.#config.delete(k);
    return true;
  }

  /** The value of a config-key entry, or undefined. */
  getKv(key: string): string | undefined {
    return this.#kv.get(key);
  }

  /** Every config-key key, sorted bytewise like the mon's key-value store iterates them. */
  kvKeys(): string[] {
    return [...this.#kv.keys()].sort(compareBytes);
  }

  /** The number of config-key entries. */
  get kvSize(): number {
    return this.#kv.size;
  }

  /** Sets a config-key entry; committed on return. */
  setKv(key: string, value: string): void {
    this.#stmts.setKv.run(key, value);
    this.#kv.set(key, value);
  }

  /** Removes a config-key entry; committed on return. Returns whether it existed. */
  rmKv(key: string): boolean {
    if (!this.#kv.has(key)) return false;
    this.#stmts.rmKv.run(key);
    this.#kv.delete(key);
    return true;
  }

  /** The current MgrMap, or null for a new store. Treat it as read-only. */
  mgrMap(): MgrMap | null {
    return this.#mgrMap;
  }

  /** Stores a new MgrMap epoch (and keeps it in the history); committed on return. */
  putMgrMap(map: MgrMap): void {
    const json = JSON.stringify(map);
    this.transaction(() => {
      this.#stmts.putMap.run(map.epoch, json);
      this.#stmts.putHistory.run(map.epoch, json);
      this.#stmts.trimHistory.run(map.epoch - MGRMAP_HISTORY);
    });
    this.#mgrMap = JSON.parse(json) as MgrMap;
  }

  /** A past MgrMap epoch (the last {@link MGRMAP_HISTORY} are kept), or null. */
  mgrMapAt(epoch: number): MgrMap | null {
    const row = this.#stmts.getHistory.get(epoch);
    return row ? JSON.parse(String(row.map)) as MgrMap : null;
  }

  /** HealthMonitor's mutes (`health mute`), as the JSON it stored; `[]` for a new store. */
  healthMutes(): string {
    return this.#healthMutes;
  }

  /** Stores HealthMonitor's mutes (their JSON); committed on return. */
  putHealthMutes(json: string): void {
    if (json === this.#healthMutes) return;
    this.#stmts.putMutes.run(json);
    this.#healthMutes = json;
  }

  /**
   * The config DB's versions, oldest first (ConfigMonitor's `config log`): version 1 is the
   * empty first one, each later one the changes of one `config set` or `config rm`.
   */
  configHistory(): ConfigVersion[] {
    const rows = this.#db.prepare(
      "SELECT version, stamp, changes FROM config_history ORDER BY version",
    ).all();
    const out: ConfigVersion[] = [{ version: 1, stamp: "0.000000", changes: [] }];
    for (const r of rows) {
      out.push({
        version: Number(r.version),
        stamp: String(r.stamp),
        changes: JSON.parse(String(r.changes)) as ConfigChange[],
      });
    }
    return out;
  }

  /** Records a new config version; committed on return. Returns its number. */
  addConfigVersion(stamp: string, changes: ConfigChange[]): number {
    const last = this.#db.prepare("SELECT MAX(version) AS v FROM config_history").get();
    const version = Math.max(1, Number(last?.v ?? 1)) + 1;
    this.#stmts.putConfigVersion.run(version, stamp, JSON.stringify(changes));
    return version;
  }

  /** Closes the database. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** Bytewise (UTF-8) string order, as RocksDB iterates the mon's keys. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const ea = ENCODER.encode(a);
  const eb = ENCODER.encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) {
    if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  }
  return ea.length - eb.length;
}

const ENCODER = new TextEncoder();
