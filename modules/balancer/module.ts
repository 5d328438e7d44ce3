/**
 * Ceph's balancer (src/pybind/mgr/balancer/module.py of 16.2.15), ported for the `upmap` mode:
 * `balancer status`, `eval [<pool>|<plan>]`, `eval-verbose`, `mode`, `on`/`off`, `pool
 * ls/add/rm`, `optimize <plan> [<pools>...]`, `show`, `dump`, `ls`, `rm`, `reset`, `execute`,
 * and automatic balancing every `sleep_interval` within `begin_time`..`end_time` and
 * `begin_weekday`..`end_weekday` (UTC). Plans come from `OSDMap.calc_pg_upmaps` and execute as
 * `osd pg-upmap-items` / `osd rm-pg-upmap-items` mon commands.
 *
 * Not ported: the `crush-compat` mode (compat weight-set optimization); `balancer mode
 * crush-compat` answers EOPNOTSUPP. Pools are taken in order, not shuffled.
 *
 * @module
 */
import {
  EINVAL,
  ENOENT,
  EOPNOTSUPP,
  EPERM,
  MgrModule,
  Option,
  type OSDMap,
  type OSDMapIncremental,
  pythonJson,
} from "mgr_module";
import { calcEval, MappingState } from "./_eval.ts";

const EAGAIN = 11;
const EALREADY = 114;
const ENOEXEC = 8;

/** An optimization plan (upmap mode: the incremental the optimizer filled). */
class Plan {
  readonly inc: OSDMapIncremental;
  pgStatus: Record<string, unknown> = {};
  constructor(
    readonly name: string,
    readonly mode: string,
    readonly osdmap: OSDMap,
    readonly pools: string[],
  ) {
    this.inc = osdmap.new_incremental();
  }

  dump(): string {
    return pythonJson(this.inc.dump(), "json-pretty");
  }

  show(): string {
    return "upmap plan";
  }
}

/** Python's `time.asctime()` of a UTC time: `Thu Dec  3 06:29:51 2026`. */
function _asctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    d.getUTCMonth()
  ];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2)} ${p(d.getUTCHours())}:${
    p(d.getUTCMinutes())
  }:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** Python's `str(datetime.timedelta(seconds=s))` for s < 1 day: `0:00:01.250000`. */
function _timedelta(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const s = Math.floor(micros / 1e6), frac = micros % 1e6;
  const text = `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${
    String(s % 60).padStart(2, "0")
  }`;
  return frac ? `${text}.${String(frac).padStart(6, "0")}` : text;
}

/** The balancer module. */
export class Module extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "active",
      type: "bool",
      default: true,
      desc: "automatically balance PGs across cluster",
      runtime: true,
    }),
    Option({
      name: "begin_time",
      type: "str",
      default: "0000",
      desc: "beginning time of day to automatically balance",
      long_desc: "This is a time of day in the format HHMM.",
      runtime: true,
    }),
    Option({
      name: "end_time",
      type: "str",
      default: "2400",
      desc: "ending time of day to automatically balance",
      long_desc: "This is a time of day in the format HHMM.",
      runtime: true,
    }),
    Option({
      name: "begin_weekday",
      type: "uint",
      default: 0,
      min: 0,
      max: 7,
      desc: "Restrict automatic balancing to this day of the week or later",
      long_desc: "0 or 7 = Sunday, 1 = Monday, etc.",
      runtime: true,
    }),
    Option({
      name: "end_weekday",
      type: "uint",
      default: 7,
      min: 0,
      max: 7,
      desc: "Restrict automatic balancing to days of the week earlier than this",
      long_desc: "0 or 7 = Sunday, 1 = Monday, etc.",
      runtime: true,
    }),
    Option({
      name: "crush_compat_max_iterations",
      type: "uint",
      default: 25,
      min: 1,
      max: 250,
      desc: "maximum number of iterations to attempt optimization",
      runtime: true,
    }),
    Option({
      name: "crush_compat_metrics",
      type: "str",
      default: "pgs,objects,bytes",
      desc: "metrics with which to calculate OSD utilization",
      long_desc: 'Value is a list of one or more of "pgs", "objects", or "bytes", and ' +
        "indicates which metrics to use to balance utilization.",
      runtime: true,
    }),
    Option({
      name: "crush_compat_step",
      type: "float",
      default: .5,
      min: .001,
      max: .999,
      desc: "aggressiveness of optimization",
      long_desc: ".99 is very aggressive, .01 is less aggressive",
      runtime: true,
    }),
    Option({
      name: "min_score",
      type: "float",
      default: 0,
      desc: "minimum score, below which no optimization is attempted",
      runtime: true,
    }),
    Option({
      name: "mode",
      desc: "Balancer mode",
      default: "upmap",
      enum_allowed: ["none", "crush-compat", "upmap"],
      runtime: true,
    }),
    Option({
      name: "sleep_interval",
      type: "secs",
      default: 60,
      desc: "how frequently to wake up and attempt optimization",
      runtime: true,
    }),
    Option({
      name: "upmap_max_optimizations",
      type: "uint",
      default: 10,
      desc: "maximum upmap optimizations to make per attempt",
      runtime: true,
    }),
    Option({
      name: "upmap_max_deviation",
      type: "int",
      default: 5,
      min: 1,
      desc: "deviation below which no optimization is attempted",
      long_desc: "If the number of PGs are within this count then no optimization is attempted",
      runtime: true,
    }),
    Option({
      name: "pool_ids",
      type: "str",
      default: "",
      desc: "pools which the automatic balancing will be limited to",
      runtime: true,
    }),
  ];

  static override COMMANDS = [
    { cmd: "balancer status", desc: "Show balancer status", perm: "r" },
    {
      cmd: "balancer mode name=mode,type=CephChoices,strings=none|crush-compat|upmap",
      desc: "Set balancer mode",
      perm: "rw",
    },
    { cmd: "balancer on", desc: "Enable automatic balancing", perm: "rw" },
    { cmd: "balancer off", desc: "Disable automatic balancing", perm: "rw" },
    {
      cmd: "balancer pool ls",
      desc: "List automatic balancing pools. Note that empty list means all existing pools " +
        "will be automatic balancing targets, which is the default behaviour of balancer.",
      perm: "r",
    },
    {
      cmd: "balancer pool add name=pools,type=CephString,n=N",
      desc: "Enable automatic balancing for specific pools",
      perm: "rw",
    },
    {
      cmd: "balancer pool rm name=pools,type=CephString,n=N",
      desc: "Disable automatic balancing for specific pools",
      perm: "rw",
    },
    {
      cmd: "balancer eval name=option,type=CephString,req=false",
      desc: "Evaluate data distribution for the current cluster or specific pool or specific plan",
      perm: "r",
    },
    {
      cmd: "balancer eval-verbose name=option,type=CephString,req=false",
      desc: "Evaluate data distribution for the current cluster or specific pool or specific " +
        "plan (verbosely)",
      perm: "r",
    },
    {
      cmd: "balancer optimize name=plan,type=CephString name=pools,type=CephString,n=N,req=false",
      desc: "Run optimizer to create a new plan",
      perm: "rw",
    },
    {
      cmd: "balancer show name=plan,type=CephString",
      desc: "Show details of an optimization plan",
      perm: "r",
    },
    {
      cmd: "balancer rm name=plan,type=CephString",
      desc: "Discard an optimization plan",
      perm: "rw",
    },
    { cmd: "balancer reset", desc: "Discard all optimization plans", perm: "rw" },
    {
      cmd: "balancer dump name=plan,type=CephString",
      desc: "Show an optimization plan",
      perm: "r",
    },
    { cmd: "balancer ls", desc: "List all plans", perm: "r" },
    {
      cmd: "balancer execute name=plan,type=CephString",
      desc: "Execute an optimization plan",
      perm: "rw",
    },
  ];

  readonly #plans = new Map<string, Plan>();
  #optimizing = false;
  #lastOptimizeStarted = "";
  #lastOptimizeDuration = "";
  #optimizeResult = "";
  #noOptimizationNeeded = false;

  #active(): boolean {
    return this.get_module_option("active") === true;
  }

  #ms(osdmap: OSDMap, desc: string): MappingState {
    return new MappingState(
      osdmap,
      this.get("pg_stats") as ConstructorParameters<typeof MappingState>[1],
      this.get("pool_stats") as ConstructorParameters<typeof MappingState>[2],
      desc,
    );
  }

  #evaluate(ms: MappingState, pools: string[], verbose: boolean): string {
    const metrics = String(this.get_module_option("crush_compat_metrics")).split(",");
    return calcEval(ms, pools, metrics).show(verbose);
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<[number, string, string]> {
    const prefix = String(cmd.prefix);
    // What answers from the maps says so while the mon is away (they may be stale).
    const stale = this.have_mon_connection()
      ? ""
      : "the manager has no mon connection: this is from the last maps it received";
    const poolsOf = () =>
      (this.get("osd_map") as { pools?: { pool: number; pool_name: string }[] } | null)?.pools ??
        [];
    switch (prefix) {
      case "balancer status":
        return [
          0,
          pythonJson({
            plans: [...this.#plans.keys()],
            active: this.#active(),
            last_optimize_started: this.#lastOptimizeStarted,
            last_optimize_duration: this.#lastOptimizeDuration,
            optimize_result: this.#optimizeResult,
            no_optimization_needed: this.#noOptimizationNeeded,
            mode: this.get_module_option("mode"),
          }, "json-pretty"),
          "",
        ];
      case "balancer mode": {
        const mode = String(cmd.mode);
        if (mode === "upmap") {
          if (!this.get("osd_map")) return [-EAGAIN, "", "no OSD map yet"];
          const mcc = String(this.get_osdmap().dump().require_min_compat_client ?? "");
          if (mcc < "luminous") {
            return [
              -EPERM,
              "",
              `min_compat_client "${mcc}" < "luminous", which is required for pg-upmap. ` +
              'Try "ceph osd set-require-min-compat-client luminous" before enabling this mode',
            ];
          }
        } else if (mode === "crush-compat") {
          return [-EOPNOTSUPP, "", "the crush-compat mode is not available in this balancer"];
        }
        await this.set_module_option("mode", mode);
        return [0, "", ""];
      }
      case "balancer on":
        if (!this.#active()) await this.set_module_option("active", true);
        return [0, "", ""];
      case "balancer off":
        if (this.#active()) await this.set_module_option("active", false);
        return [0, "", ""];
      case "balancer pool ls": {
        const ids = String(this.get_module_option("pool_ids") ?? "");
        if (ids === "") return [0, "", ""];
        const names = new Map(poolsOf().map((p) => [p.pool, p.pool_name]));
        const kept = ids.split(",").map(Number).filter((id) => names.has(id));
        if (kept.length !== ids.split(",").length) {
          await this.set_module_option("pool_ids", kept.join(","));
        }
        return [
          0,
          pythonJson(kept.map((id) => names.get(id) as string).sort(), "json-pretty"),
          stale,
        ];
      }
      case "balancer pool add": {
        const raw = (cmd.pools as string[] | undefined) ?? [];
        const ids = new Map(poolsOf().map((p) => [p.pool_name, p.pool]));
        const invalid = raw.filter((p) => !ids.has(p));
        if (invalid.length > 0) {
          return [-EINVAL, "", `pool(s) ${_pyList(invalid)} not found`];
        }
        const existing = String(this.get_module_option("pool_ids") ?? "");
        const final = new Set(existing === "" ? [] : existing.split(","));
        for (const p of raw) final.add(String(ids.get(p)));
        await this.set_module_option("pool_ids", [...final].join(","));
        return [0, "", ""];
      }
      case "balancer pool rm": {
        const raw = (cmd.pools as string[] | undefined) ?? [];
        const existing = String(this.get_module_option("pool_ids") ?? "");
        if (existing === "") return [0, "", ""];
        const valid = new Set(poolsOf().map((p) => String(p.pool)));
        const ids = new Map(poolsOf().map((p) => [p.pool_name, String(p.pool)]));
        const remove = new Set(raw.map((p) => ids.get(p)).filter((x) => x !== undefined));
        const final = existing.split(",").filter((p) => valid.has(p) && !remove.has(p));
        await this.set_module_option("pool_ids", final.join(","));
        return [0, "", ""];
      }
      case "balancer eval":
      case "balancer eval-verbose": {
        const verbose = prefix === "balancer eval-verbose";
        if (!this.get("osd_map")) return [-EAGAIN, "", "no OSD map yet"];
        const option = cmd.option === undefined ? undefined : String(cmd.option);
        if (option === undefined) {
          return [
            0,
            this.#evaluate(this.#ms(this.get_osdmap(), "current cluster"), [], verbose),
            stale,
          ];
        }
        const plan = this.#plans.get(option);
        if (plan) {
          return [
            0,
            this.#evaluate(this.#ms(plan.osdmap, `plan "${plan.name}"`), plan.pools, verbose),
            stale,
          ];
        }
        const osdmap = this.get_osdmap();
        if (!poolsOf().some((p) => p.pool_name === option)) {
          return [-EINVAL, "", `option "${option}" not a plan or a pool`];
        }
        return [
          0,
          this.#evaluate(this.#ms(osdmap, `pool "${option}"`), [option], verbose),
          stale,
        ];
      }
      case "balancer optimize": {
        if (this.#active()) return [-EINVAL, "", "Balancer enabled, disable to optimize manually"];
        if (this.#optimizing) return [-EINVAL, "", "Balancer finishing up....try again"];
        if (!this.get("osd_map")) return [-EAGAIN, "", "no OSD map yet"];
        if (stale) return [-EAGAIN, "", `${stale}; try again later`];
        const pools = (cmd.pools as string[] | undefined) ?? [];
        const valid = new Set(poolsOf().map((p) => p.pool_name));
        const invalid = pools.filter((p) => !valid.has(p));
        if (invalid.length > 0) return [-EINVAL, "", `pools ${_pyList(invalid)} not found`];
        const name = String(cmd.plan);
        const plan = new Plan(
          name,
          String(this.get_module_option("mode")),
          this.get_osdmap(),
          pools,
        );
        const [r, detail] = this.#timedOptimize(plan);
        if (r === 0) this.#plans.set(name, plan);
        return [r, "", detail];
      }
      case "balancer rm":
        this.#plans.delete(String(cmd.plan));
        return [0, "", ""];
      case "balancer reset":
        this.#plans.clear();
        return [0, "", ""];
      case "balancer ls":
        return [0, pythonJson([...this.#plans.keys()], "json-pretty"), ""];
      case "balancer dump":
      case "balancer show": {
        const plan = this.#plans.get(String(cmd.plan));
        if (!plan) return [-ENOENT, "", `plan ${String(cmd.plan)} not found`];
        return [0, prefix === "balancer dump" ? plan.dump() : plan.show(), ""];
      }
      case "balancer execute": {
        if (this.#active()) return [-EINVAL, "", "Balancer enabled, disable to execute a plan"];
        if (this.#optimizing) return [-EINVAL, "", "Balancer finishing up....try again"];
        const plan = this.#plans.get(String(cmd.plan));
        if (!plan) return [-ENOENT, "", `plan ${String(cmd.plan)} not found`];
        const [r, detail] = await this.#execute(plan);
        this.#plans.delete(plan.name);
        return [r, "", detail];
      }
    }
    return [-EINVAL, "", `Command not found '${prefix}'`];
  }

  #timedOptimize(plan: Plan): [number, string] {
    const start = this.now();
    this.#lastOptimizeStarted = _asctime(start);
    this.#optimizeResult = "in progress";
    const [r, detail] = this.#optimize(plan);
    this.#lastOptimizeDuration = _timedelta(this.now() - start);
    this.#optimizeResult = r === 0 ? "Optimization plan created successfully" : detail;
    return [r, detail];
  }

  #optimize(plan: Plan): [number, string] {
    let maxMisplaced = 0.05;
    try {
      maxMisplaced = Number(this.get_ceph_option("target_max_misplaced_ratio"));
    } catch {
      // An option table without it: Ceph's default.
    }
    const info = (this.get("pg_status") ?? {}) as Record<string, unknown>;
    plan.pgStatus = info;
    const ratio = (k: string) => Number(info[k] ?? 0);
    const f = (x: number) => x.toFixed(6);
    if (ratio("unknown_pgs_ratio") > 0) {
      return [-EAGAIN, `Some PGs (${f(ratio("unknown_pgs_ratio"))}) are unknown; try again later`];
    }
    if (ratio("degraded_ratio") > 0) {
      return [
        -EAGAIN,
        `Some objects (${f(ratio("degraded_ratio"))}) are degraded; try again later`,
      ];
    }
    if (ratio("inactive_pgs_ratio") > 0) {
      return [
        -EAGAIN,
        `Some PGs (${f(ratio("inactive_pgs_ratio"))}) are inactive; try again later`,
      ];
    }
    if (ratio("misplaced_ratio") >= maxMisplaced) {
      return [
        -EAGAIN,
        `Too many objects (${f(ratio("misplaced_ratio"))} > ${f(maxMisplaced)}) are misplaced; ` +
        "try again later",
      ];
    }
    if (plan.mode === "upmap") return this.#doUpmap(plan);
    if (plan.mode === "none") {
      return [-ENOEXEC, 'Please do "ceph balancer mode" to choose a valid mode first'];
    }
    return [-EINVAL, `Unrecognized mode ${plan.mode}`];
  }

  #doUpmap(plan: Plan): [number, string] {
    const maxOptimizations = Number(this.get_module_option("upmap_max_optimizations"));
    const maxDeviation = Number(this.get_module_option("upmap_max_deviation"));
    const dump = plan.osdmap.dump();
    const pools = plan.pools.length > 0 ? plan.pools : dump.pools.map((p) => p.pool_name);
    if (pools.length === 0) return [-ENOENT, "No pools available"];
    const byName = new Map(dump.pools.map((p) => [p.pool_name, p]));
    const adjusted = pools.filter((name) => {
      const p = byName.get(name);
      if (!p) return false;
      if (Number(p.pg_num) > Number(p.pg_num_target ?? p.pg_num)) {
        this.log.info(`pool ${name} has pending PG(s) for merging, skipping for now`);
        return false;
      }
      return true;
    });
    let totalDid = 0, left = maxOptimizations;
    const byPoolState = (plan.pgStatus.pgs_by_pool_state ?? []) as {
      pool_id: number;
      pg_state_counts: { state_name: string; count: number }[];
    }[];
    for (const name of adjusted) {
      const id = byName.get(name)?.pool;
      const activeClean = byPoolState.filter((p) => p.pool_id === id).reduce(
        (n, p) => n + (p.pg_state_counts.find((s) => s.state_name === "active+clean")?.count ?? 0),
        0,
      );
      const did = plan.osdmap.calc_pg_upmaps(plan.inc, maxDeviation, Math.min(left, activeClean), [
        name,
      ]);
      totalDid += did;
      left -= did;
      if (left <= 0) break;
    }
    this.log.info(`prepared ${totalDid}/${maxOptimizations} changes`);
    if (totalDid === 0) {
      this.#noOptimizationNeeded = true;
      return [
        -EALREADY,
        "Unable to find further optimization, or pool(s) pg_num is decreasing, or " +
        "distribution is already perfect",
      ];
    }
    return [0, ""];
  }

  async #execute(plan: Plan): Promise<[number, string]> {
    this.log.info(`Executing plan ${plan.name}`);
    const inc = plan.inc.dump();
    const commands: Promise<[number, string, string]>[] = [];
    for (const item of inc.new_pg_upmap_items) {
      const ids = item.mappings.flatMap((m) => [String(m.from), String(m.to)]);
      this.log.info(
        `ceph osd pg-upmap-items ${item.pgid} mappings ${JSON.stringify(item.mappings)}`,
      );
      commands.push(this.mon_command({
        prefix: "osd pg-upmap-items",
        format: "json",
        pgid: item.pgid,
        id: ids,
      }));
    }
    for (const pgid of inc.old_pg_upmap_items) {
      this.log.info(`ceph osd rm-pg-upmap-items ${pgid}`);
      commands.push(this.mon_command({ prefix: "osd rm-pg-upmap-items", format: "json", pgid }));
    }
    for (const [r, , outs] of await Promise.all(commands)) {
      if (r !== 0) {
        this.log.error(`execute error: r = ${r}, detail = ${outs}`);
        return [r, outs];
      }
    }
    return [0, ""];
  }

  #timePermit(): boolean {
    const d = new Date(this.now() * 1000);
    const tod = String(d.getUTCHours()).padStart(2, "0") +
      String(d.getUTCMinutes()).padStart(2, "0");
    const weekday = d.getUTCDay();
    const begin = String(this.get_module_option("begin_time"));
    const end = String(this.get_module_option("end_time"));
    const okTime = begin <= end ? begin <= tod && tod < end : tod >= begin || tod < end;
    if (!okTime) return false;
    const bw = Number(this.get_module_option("begin_weekday"));
    const ew = Number(this.get_module_option("end_weekday"));
    return bw <= ew ? bw <= weekday && weekday < ew : weekday >= bw || weekday < ew;
  }

  override async serve(): Promise<void> {
    while (!this.shutting_down) {
      if (
        this.#active() && this.have_mon_connection() && this.get("osd_map") && this.#timePermit()
      ) {
        await this.#autoRun();
      }
      await this.sleep(Number(this.get_module_option("sleep_interval")));
    }
  }

  async #autoRun(): Promise<void> {
    const osdmap = this.get_osdmap();
    const d = new Date(this.now() * 1000).toISOString();
    const name = `auto_${d.slice(0, 10)}_${d.slice(11, 19)}`;
    const allow = String(this.get_module_option("pool_ids") ?? "");
    const names = new Map(osdmap.dump().pools.map((p) => [String(p.pool), p.pool_name]));
    const pools = allow === ""
      ? []
      : allow.split(",").filter((id) => names.has(id)).map((id) => names.get(id) as string);
    const plan = new Plan(name, String(this.get_module_option("mode")), osdmap, pools);
    this.#optimizing = true;
    try {
      const [r] = this.#timedOptimize(plan);
      if (r === 0) await this.#execute(plan);
    } finally {
      this.#optimizing = false;
    }
  }
}

/** Python's `str()` of a list of strings: `['a', 'b']`. */
function _pyList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(", ")}]`;
}
