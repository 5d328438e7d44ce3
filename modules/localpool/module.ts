/**
 * localpool — Ceph 16.2.15's module that keeps one replicated pool per CRUSH subtree (`rack`
 * by default): on every OSDMap, for each bucket of type `subtree` without a pool named
 * `<prefix><bucket>` (prefix `by-<subtree>-` unless set), it creates a CRUSH rule of that name
 * rooted at the bucket and replicating across `failure_domain`, a pool on that rule, and sets
 * its size (and min_size when set), with the same four mon commands as the Python module.
 * As there, it never removes a pool whose subtree went away, and the mon's answers are not
 * checked (a pool or rule that already exists is answered 0 by the mon).
 *
 * @module
 */
import { CommandResult, MgrModule, NotifyType, Option } from "mgr_module";

interface OsdMapPools {
  pools: { pool_name: string }[];
}
interface OsdMapTree {
  nodes: { type: string; name: string }[];
}

export class Module extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "subtree",
      type: "str",
      default: "rack",
      desc: "CRUSH level for which to create a local pool",
      runtime: true,
    }),
    Option({
      name: "failure_domain",
      type: "str",
      default: "host",
      desc: "failure domain for any created local pool",
      runtime: true,
    }),
    Option({
      name: "min_size",
      type: "int",
      desc: "default min_size for any created local pool",
      runtime: true,
    }),
    Option({
      name: "num_rep",
      type: "int",
      default: 3,
      desc: "default replica count for any created local pool",
      runtime: true,
    }),
    Option({
      name: "pg_num",
      type: "int",
      default: 128,
      desc: "default pg_num for any created local pool",
      runtime: true,
    }),
    Option({
      name: "prefix",
      type: "str",
      default: "",
      desc: "name prefix for any created local pool",
      runtime: true,
    }),
  ];
  static override NOTIFY_TYPES = [NotifyType.osd_map];

  override async notify(notify_type: NotifyType, _notify_id: string): Promise<void> {
    if (notify_type === NotifyType.osd_map) await this.handle_osd_map();
  }

  /** Sends one mon command as the Python module does, and waits for (and ignores) its answer. */
  async #mon(cmd: Record<string, unknown>): Promise<void> {
    const result = new CommandResult("");
    this.send_command(result, "mon", "", JSON.stringify(cmd), "");
    const [r, , outs] = await result.wait();
    this.log.debug(`${String(cmd.prefix)} ${String(cmd.name ?? cmd.pool)} -> ${r} ${outs}`);
  }

  /** Checks pools on each OSDMap change. */
  async handle_osd_map(): Promise<void> {
    const subtree_type = String(this.get_module_option("subtree"));
    const failure_domain = this.get_module_option("failure_domain");
    const pg_num = this.get_module_option("pg_num");
    const num_rep = this.get_module_option("num_rep");
    const min_size = this.get_module_option("min_size");
    const prefix = String(this.get_module_option("prefix") || `by-${subtree_type}-`);

    const osdmap = this.get("osd_map") as OsdMapPools | null;
    const tree = this.get("osd_map_tree") as OsdMapTree | null;
    // Before the first OSDMap there is nothing to compare (a Python module would see no map
    // either; mgrd starts modules before the maps arrive).
    if (!osdmap || !tree) return;
    const lpools = osdmap.pools.map((p) => p.pool_name).filter((n) => n.startsWith(prefix));
    this.log.debug(`localized pools = ${JSON.stringify(lpools)}`);
    for (const node of tree.nodes) {
      if (node.type !== subtree_type) continue;
      const pool_name = prefix + node.name;
      if (lpools.includes(pool_name)) continue;
      this.log.info(`Creating localized pool ${pool_name}`);
      await this.#mon({
        prefix: "osd crush rule create-replicated",
        format: "json",
        name: pool_name,
        root: node.name,
        type: failure_domain,
      });
      await this.#mon({
        prefix: "osd pool create",
        format: "json",
        pool: pool_name,
        rule: pool_name,
        pool_type: "replicated",
        pg_num: pg_num,
      });
      await this.#mon({
        prefix: "osd pool set",
        format: "json",
        pool: pool_name,
        var: "size",
        val: String(num_rep),
      });
      if (min_size) {
        await this.#mon({
          prefix: "osd pool set",
          format: "json",
          pool: pool_name,
          var: "min_size",
          val: String(min_size),
        });
      }
    }
    // As in 16.2.15: pools of subtrees that no longer exist are left alone.
  }

  override async serve(): Promise<void> {
    await this.handle_osd_map();
    while (!this.shutting_down) await this.sleep(3600);
  }
}
