/**
 * The manager on a real Ceph cluster through the librados link (link/), against the shared
 * development cluster: what `get()` answers is what the real cluster says, module writes reach
 * the real mon, and `mgrd serve --ceph-conf` runs as a process.
 */
import assert from "node:assert/strict";
import type { ClusterLogEntry } from "../core/cluster_link.ts";
import { Manager } from "../core/manager.ts";
import { NO_MON_CONNECTION } from "../core/mon_outage_answers.ts";
import { WallClock } from "../daemon/wall_clock.ts";
import { RealCluster } from "../link/real_cluster.ts";
import { ALWAYS_ON_MODULES } from "../modules/mod.ts";
import { connectRados } from "../rados/librados.ts";
import { ceph, MAIN, startDaemon, until, withExporter } from "./_daemon.ts";
import { havePromtool, isCephNameLint, promtool } from "./_promtool.ts";
import { connectDev, devCluster, devClusterAuthNone, realCluster } from "./_dev_cluster.ts";
import { referenceGet } from "./_reference.ts";
import { withRealManager } from "./_real_manager.ts";
import { shapeDiff } from "./sim_json_shape.ts";

const FIXTURES = new URL("./fixtures/real_link", import.meta.url).pathname;
const POOL = "mgrd-link";

/**
 * A manager on the shared cluster, with the keeper and raiser test modules enabled; stopped at
 * the end.
 */
async function withManager(fn: (m: Manager, cluster: RealCluster) => Promise<void>) {
  await withRealManager(await devCluster(), {
    id: "x",
    cluster: {
      initialModules: ["keeper", "hello", "raiser"],
      pollSeconds: 0.5,
      statsSeconds: 1,
      perfSeconds: 1,
    },
    manager: { modulePaths: [FIXTURES] },
  }, fn);
}

/** A pool of 4 PGs on the shared cluster (made once). */
async function ensurePool(): Promise<void> {
  await using admin = await connectDev();
  await admin.monCommand({ prefix: "osd pool create", pool: POOL, pg_num: 4, pgp_num: 4 });
}

/** Waits until the manager's PGMap is ready (every up OSD reported). */
function pgMapReady(m: Manager): Promise<void> {
  return until("the PGMap ready", () => {
    return Promise.resolve((m.get("pg_ready") as { pg_ready: boolean }).pg_ready);
  }, 30);
}

type PgMapDump = { pg_stats: { pgid: string; state: string }[] };
type PgDump = { pg_map: PgMapDump };

Deno.test({
  name: "get('osd_map') through the real link is the real mon's osd dump, and follows a change",
  ...realCluster,
  fn: async () => {
    await ensurePool();
    await using admin = await connectDev();
    await withManager(async (m) => {
      const real = (await admin.monCommand({ prefix: "osd dump", format: "json" })).json<
        { epoch: number; fsid: string; osds: { osd: number }[]; pools: { pool_name: string }[] }
      >();
      const got = m.get("osd_map") as typeof real;
      assert.equal(got.fsid, real.fsid);
      assert.ok(got.epoch >= real.epoch - 1);
      assert.deepEqual(got.osds.map((o) => o.osd), real.osds.map((o) => o.osd));
      assert.ok(got.pools.some((p) => p.pool_name === POOL));
      assert.ok(Object.isFrozen(got), "a frozen snapshot");
      assert.equal(m.get("osd_map"), got, "the same object while the epoch stands");
      // A command through the manager changes the real map; the manager sees it when it returns.
      const flag = await m.command({ prefix: "osd set", key: "noscrub" });
      assert.equal(flag.r, 0, flag.outs);
      try {
        const after = m.get("osd_map") as { epoch: number; flags: string };
        assert.ok(after.epoch > got.epoch);
        assert.match(after.flags, /noscrub/);
      } finally {
        await m.command({ prefix: "osd unset", key: "noscrub" });
      }
      assert.deepEqual(
        Object.keys(m.get("osd_metadata") as object).sort(),
        real.osds.map((o) => String(o.osd)).sort(),
      );
      assert.match(m.get("osdmap_crush_map_text") as string, /^# begin crush map/);
    });
  },
});

Deno.test({
  name: "get('pg_dump') built from the real PG stats has the real pg dump's PGs, states and keys",
  ...realCluster,
  fn: async () => {
    await ensurePool();
    await using admin = await connectDev();
    await withManager(async (m) => {
      // The real `pg dump` wraps the PGMap in `pg_map`; `get('pg_dump')` is the PGMap itself.
      let real: PgMapDump | undefined;
      let got: PgMapDump | undefined;
      await until("every PG active+clean, in both dumps", async () => {
        real = (await admin.mgrCommand({ prefix: "pg dump", format: "json" })).json<PgDump>()
          .pg_map;
        got = m.get("pg_dump") as PgMapDump;
        const clean = (d: PgMapDump) => d.pg_stats.every((p) => p.state === "active+clean");
        return clean(real) && clean(got) && got.pg_stats.length === real.pg_stats.length;
      }, 60);
      const byId = (d: PgMapDump) => d.pg_stats.map((p) => p.pgid).sort();
      assert.deepEqual(byId(got!), byId(real!));
      const realPg = real!.pg_stats[0]!;
      const ours = got!.pg_stats.find((p) => p.pgid === realPg.pgid)!;
      // (In the order of the captured get('pg_dump'), which is not the CLI's.)
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(realPg).sort(), "pg_stat_t's keys");
      assert.deepEqual(ours, realPg, "the same pg_stat_t");
      assert.deepEqual(Object.keys(got!).sort(), Object.keys(real!).sort(), "the PGMap's keys");
      const realDf = (await admin.monCommand({ prefix: "df", format: "json" })).json<
        { stats: { total_bytes: number } }
      >();
      const df = m.get("df") as { stats: { total_bytes: number } };
      assert.equal(df.stats.total_bytes, realDf.stats.total_bytes);
      assert.deepEqual(m.get("pg_ready"), { pg_ready: true });
    });
  },
});

/** `startDaemon` for a manager whose id is not x (its URL file is `mgrd.<id>.url`). */
async function startDaemonWithId(dir: string, id: string, args: string[]) {
  const daemon = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "serve",
      "--data-dir",
      dir,
      "--port",
      "0",
      "--id",
      id,
      ...args,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await until(`mgr.${id}'s url file`, async () => {
    try {
      await Deno.stat(`${dir}/mgrd.${id}.url`);
      return true;
    } catch {
      return false;
    }
  });
  return daemon;
}

Deno.test({
  name:
    "the manager's views from real PG stats answer as the real ceph-mgr does: pg stat, df, osd pool stats, pgs_brief",
  ...realCluster,
  fn: async () => {
    await ensurePool();
    await using admin = await connectDev();
    await withManager(async (m) => {
      await pgMapReady(m);
      const commands: [Record<string, unknown>, "mon" | "mgr"][] = [
        [{ prefix: "pg stat" }, "mgr"],
        [{ prefix: "df", detail: "detail" }, "mon"],
        [{ prefix: "osd pool stats" }, "mgr"],
        [{ prefix: "pg dump", dumpcontents: ["pgs_brief"] }, "mgr"],
      ];
      for (const [cmd, owner] of commands) {
        // Both read the same PG stats once the next report is in; a report in between moves
        // the numbers, so the answers are compared until they agree.
        let ours = "", real = "";
        await until(`'${cmd.prefix}' to agree`, async () => {
          const reply = owner === "mon" ? await admin.monCommand(cmd) : await admin.mgrCommand(cmd);
          real = reply.text();
          ours = (await m.command(cmd)).outb;
          // Ceph prints pgs_brief from an unordered map: the rows are compared as a set.
          const rows = (t: string) => t.split("\n").sort().join("\n");
          return cmd.prefix === "pg dump" ? rows(ours) === rows(real) : ours === real;
        }, 20).catch(() => {
          assert.equal(ours, real, String(cmd.prefix));
        });
      }
    });
  },
});

/** Objects whose keys are data, per `get()` name. */
const SHAPE_MAPS: Record<string, string[]> = {
  osd_map: ["$.blocklist", "$.pools[].options", "$.pools[].application_metadata"],
  osd_map_tree: ["$.nodes[].pool_weights"],
  osd_metadata: ["$"],
  pg_summary: ["$.by_pool", "$.by_osd"],
};

Deno.test({
  name: "every get() name of the real link has the shape of the captured real get()",
  ...realCluster,
  fn: async () => {
    await ensurePool();
    await withManager(async (m) => {
      // The capture was taken on a settled cluster: every PG active+clean.
      await until("the PGMap ready and every PG active+clean", () => {
        const summary = m.get("pg_summary") as { all: Record<string, number> };
        return Promise.resolve(
          (m.get("pg_ready") as { pg_ready: boolean }).pg_ready &&
            Object.keys(summary.all).join() === "active+clean",
        );
      }, 60);
      const names = [
        ...(m.clusterState?.names ?? []),
        "pg_dump",
        "pg_summary",
        "df",
        "osd_stats",
        "pool_stats",
      ];
      const diffs: string[] = [];
      for (const name of names) {
        // get('health') is the manager's merged report, tested elsewhere; the others have no capture.
        if (name === "health" || name === "service_map" || name === "osdmap_crush_map_text") {
          continue;
        }
        const json = JSON.parse(JSON.stringify(m.get(name)));
        const ref = referenceGet(`get_${name}.json`).value;
        if (typeof ref === "string") {
          if (typeof json !== "string") diffs.push(`${name}: expected a string`);
          continue;
        }
        const maps = SHAPE_MAPS[name] ?? [];
        diffs.push(...shapeDiff(json, ref, { maps }).map((d) => `${name}: ${d}`));
        if (name === "mon_status") {
          const inner = shapeDiff(
            JSON.parse((json as { json: string }).json),
            JSON.parse((ref as { json: string }).json),
          );
          diffs.push(...inner.map((d) => `mon_status.json: ${d}`));
        }
      }
      assert.deepEqual(diffs, [], diffs.join("\n"));
    });
  },
});

Deno.test({
  name: "health through the real link holds the real cluster's checks; the mon session is up",
  ...realCluster,
  fn: async () => {
    await using admin = await connectDev();
    await withManager(async (m, cluster) => {
      const real = (await admin.monCommand({ prefix: "health", format: "json" })).json<
        { checks: Record<string, unknown> }
      >();
      const ours = JSON.parse((m.get("health") as { json: string }).json) as {
        checks: Record<string, unknown>;
      };
      for (const code of Object.keys(real.checks)) assert.ok(code in ours.checks, code);
      assert.equal(m.link.connected(), true);
      assert.equal(cluster.connected(), true);
      const monStatus = JSON.parse((m.get("mon_status") as { json: string }).json) as {
        name: string;
        quorum: number[];
      };
      assert.equal(monStatus.name, "a");
      assert.deepEqual(monStatus.quorum, [0]);
    });
  },
});

/** A status text with its figures (counts, sizes, ages) masked: what two moments share. */
function statusLayout(text: string): string {
  return text.replace(/\d+(\.\d+)?( ?[A-Za-z%]+)?/g, "N");
}

/** The lines of each check in a `health detail` text (`[WRN] CODE: ...` and its detail), by code. */
function detailBlocks(text: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let block: string[] | undefined;
  for (const line of text.split("\n").slice(1)) {
    const head = /^(?:\(MUTED[^)]*\) )?\[(?:WRN|ERR)\] ([A-Z0-9_]+): /.exec(line);
    if (head) blocks.set(head[1]!, block = [line]);
    else if (line.startsWith("    ")) block?.push(line);
  }
  return blocks;
}

/** What the raiser test module raises, as `health detail` prints it. */
const RAISED: Record<string, { message: string; lines: string[] }> = {
  MGRD_TEST_ERR: {
    message: "mgrd test error",
    lines: ["[ERR] MGRD_TEST_ERR: mgrd test error", "    raised by the raiser module"],
  },
  TEST_MGRD_WARN: {
    message: "mgrd test warning",
    lines: ["[WRN] TEST_MGRD_WARN: mgrd test warning", "    one", "    two"],
  },
};

Deno.test({
  name:
    "health, health detail and status through the real link merge mgrd's module checks into the real mon's answer, as the mon renders them",
  ...realCluster,
  fn: async () => {
    await using admin = await connectDev();
    const real = async (cmd: Record<string, unknown>) => (await admin.monCommand(cmd)).text();
    // A check of the real mon's own, between the module's two in code order.
    await admin.monCommand({ prefix: "osd set", key: "noout" });
    try {
      await withManager(async (m) => {
        const ask = async (cmd: Record<string, unknown>) => {
          const r = await m.command(cmd);
          assert.equal(r.r, 0, r.outs);
          return r.outb;
        };
        await until("the real mon to raise OSDMAP_FLAGS", async () => {
          return /OSDMAP_FLAGS/.test(await real({ prefix: "health", detail: "detail" }));
        }, 30);
        // Without checks of mgrd's, the mon's answers as they are.
        assert.equal(await ask({ prefix: "health" }), await real({ prefix: "health" }));
        assert.equal(
          await ask({ prefix: "health", detail: "detail", format: "json" }),
          await real({ prefix: "health", detail: "detail", format: "json" }),
        );
        assert.equal(await ask({ prefix: "raiser raise" }), "raised");

        // What the real mon raises now (the other tests may have left it more than the flag).
        const realJson = JSON.parse(
          await real({ prefix: "health", detail: "detail", format: "json" }),
        ) as { checks: Record<string, { summary: { message: string } }>; mutes: unknown[] };
        const realDetail = await real({ prefix: "health", detail: "detail" });
        const codes = [...Object.keys(realJson.checks), ...Object.keys(RAISED)].sort();
        assert.deepEqual(codes.slice(0, 1), ["MGRD_TEST_ERR"]);
        assert.deepEqual(codes.slice(-1), ["TEST_MGRD_WARN"]);
        const message = (code: string) =>
          RAISED[code]?.message ?? realJson.checks[code]!.summary.message;
        // The worst severity, the checks by code, each summary as the mon joins them.
        const summaryLine = `HEALTH_ERR ${codes.map(message).join("; ")}`;
        assert.match(summaryLine, /; noout flag\(s\) set; /);
        assert.equal(await ask({ prefix: "health" }), `${summaryLine}\n`);
        // The real mon's lines for its own checks byte for byte, the module's in their places.
        const blocks = detailBlocks(realDetail);
        assert.deepEqual([...blocks.keys()], Object.keys(realJson.checks));
        assert.equal(
          await ask({ prefix: "health", detail: "detail" }),
          [summaryLine, ...codes.flatMap((c) => RAISED[c]?.lines ?? blocks.get(c)!), ""].join(
            "\n",
          ),
        );
        const json = JSON.parse(await ask({ prefix: "health", detail: "detail", format: "json" }));
        assert.equal(json.status, "HEALTH_ERR");
        assert.deepEqual(Object.keys(json.checks), codes);
        assert.deepEqual(json.checks.OSDMAP_FLAGS, realJson.checks.OSDMAP_FLAGS);
        assert.deepEqual(json.checks.MGRD_TEST_ERR, {
          severity: "HEALTH_ERR",
          summary: { message: "mgrd test error", count: 1 },
          detail: [{ message: "raised by the raiser module" }],
          muted: false,
        });
        assert.deepEqual(json.mutes, realJson.mutes);
        const summary = JSON.parse(await ask({ prefix: "health", format: "json-pretty" }));
        assert.deepEqual(summary.checks.TEST_MGRD_WARN, {
          severity: "HEALTH_WARN",
          summary: { message: "mgrd test warning", count: 2 },
          muted: false,
        });

        // status: its health lines merged; the rest is the real mon's.
        const fsid = (await devCluster()).fsid;
        const status = await ask({ prefix: "status" });
        const realStatus = await real({ prefix: "status" });
        assert.ok(
          status.startsWith(
            `  cluster:\n    id:     ${fsid}\n    health: HEALTH_ERR\n` +
              codes.map((c) => `            ${message(c)}\n`).join("") + " \n  services:\n",
          ),
          status,
        );
        assert.match(realStatus, /\n {4}health: HEALTH_WARN\n( {12}.*\n)* \n {2}services:\n/);
        const rest = (t: string) => statusLayout(t.slice(t.indexOf(" \n  services:\n")));
        assert.equal(rest(status), rest(realStatus));
        const sj = JSON.parse(await ask({ prefix: "status", format: "json" }));
        const realSj = JSON.parse(await real({ prefix: "status", format: "json" }));
        assert.deepEqual(Object.keys(sj), Object.keys(realSj));
        assert.equal(sj.fsid, realSj.fsid);
        assert.deepEqual(sj.monmap, realSj.monmap);
        assert.equal(sj.health.status, "HEALTH_ERR");
        assert.deepEqual(Object.keys(sj.health.checks), codes);
        assert.deepEqual(sj.health.checks.OSDMAP_FLAGS, realSj.health.checks.OSDMAP_FLAGS);
        assert.deepEqual(sj.health.checks.TEST_MGRD_WARN, summary.checks.TEST_MGRD_WARN);

        // A mute on the real mon applies to mgrd's check as to the mon's own: the status is
        // the worst of the rest again (the real mon's, at least the flag's warning).
        await ask({ prefix: "health mute", code: "MGRD_TEST_ERR", sticky: true });
        try {
          const unmuted = codes.filter((c) => c !== "MGRD_TEST_ERR").map(message).join("; ");
          const realStatusNow = JSON.parse(await real({ prefix: "health", format: "json" }))
            .status;
          assert.equal(
            await ask({ prefix: "health" }),
            `${realStatusNow} ${unmuted}; (muted: MGRD_TEST_ERR)\n`,
          );
          assert.match(
            await ask({ prefix: "health", detail: "detail" }),
            /\n\(MUTED, STICKY\) \[ERR\] MGRD_TEST_ERR: mgrd test error\n/,
          );
        } finally {
          await admin.monCommand({ prefix: "health unmute", code: "MGRD_TEST_ERR" });
        }

        assert.equal(await ask({ prefix: "raiser clear" }), "cleared");
        assert.equal(await ask({ prefix: "health" }), await real({ prefix: "health" }));
      });
    } finally {
      await admin.monCommand({ prefix: "osd unset", key: "noout" });
    }
  },
});

Deno.test({
  name: "a real `osd out` makes a progress event in the progress module, from real PG stats",
  ...realCluster,
  fn: async () => {
    await ensurePool();
    await withManager(async (m) => {
      await pgMapReady(m);
      // The OSD with the most PGs (with few PGs, one OSD may have none to move).
      const counts = new Map<number, number>();
      for (const pg of (m.get("pg_dump") as { pg_stats: { up: number[] }[] }).pg_stats) {
        for (const osd of pg.up) counts.set(osd, (counts.get(osd) ?? 0) + 1);
      }
      const [osd] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      const out = await m.command({ prefix: "osd out", ids: [String(osd)] });
      assert.equal(out.r, 0, out.outs);
      try {
        await until(`a progress event for osd.${osd}`, async () => {
          const p = await m.command({ prefix: "progress json" });
          const all = JSON.parse(p.outb) as {
            events: { message: string }[];
            completed: { message: string }[];
          };
          return [...all.events, ...all.completed].some((e) =>
            e.message === `Rebalancing after osd.${osd} marked out`
          );
        }, 30);
      } finally {
        await m.command({ prefix: "osd in", ids: [String(osd)] });
      }
    });
  },
});

Deno.test({
  name: "the built-in modules run on the real cluster: osd status, iostat, mgr self-test run",
  ...realCluster,
  fn: async () => {
    await withManager(async (m) => {
      for (const module of ["iostat", "selftest"]) {
        const r = await m.command({ prefix: "mgr module enable", module });
        assert.equal(r.r, 0, r.outs);
      }
      const status = await m.command({ prefix: "osd status" });
      assert.equal(status.r, 0, status.outs);
      assert.match(status.outb, /^ID +HOST +USED/);
      assert.match(status.outb, /\n 0 .*exists,up/);
      await until("iostat to answer", async () => (await m.command({ prefix: "iostat" })).r === 0);
      const iostat = await m.command({ prefix: "iostat", print_header: true });
      assert.equal(iostat.r, 0, iostat.outs);
      assert.match(iostat.outb, /Read IOPS/);
      // A row of numbers from the real PG stats' io rates (0 B/s on an idle cluster).
      assert.match(iostat.outb, /\|\s+\d+(\.\d+)? ?[KMGT]?i?B\/s\s+\|/);
      const selftest = await m.command({ prefix: "mgr self-test run" });
      assert.equal(selftest.r, 0, selftest.outs);
      assert.equal(selftest.outs, "Self-test succeeded");
    });
  },
});

Deno.test({
  name: "the prometheus exporter serves the real cluster's OSDs (promtool-clean but Ceph's names)",
  ...realCluster,
  fn: async () => {
    await using admin = await connectDev();
    await withManager(async (m) => {
      await withExporter(m, async (uri) => {
        const real = (await admin.monCommand({ prefix: "osd dump", format: "json" })).json<
          { osds: { osd: number; up: number }[] }
        >();
        let text = "";
        await until("every real OSD on the page", async () => {
          text = await (await fetch(`${uri}metrics`)).text();
          return real.osds.every((o) =>
            text.includes(`ceph_osd_up{ceph_daemon="osd.${o.osd}"} ${o.up}`)
          );
        }, 20);
        // The OSDs' perf counters, but not their histograms (Pacific's exporter skips them).
        await until("osd.0's perf counters on the page", async () => {
          text = await (await fetch(`${uri}metrics`)).text();
          return text.includes(`ceph_osd_op_w{ceph_daemon="osd.0"}`);
        }, 20);
        assert.ok(
          m.perf.get_perf_schema("osd", "0")["osd.0"]?.["osd.op_w_latency_in_bytes_histogram"],
        );
        assert.ok(!text.includes("_histogram"), "no histogram family");
        if (await havePromtool()) {
          const { code, problems } = await promtool(text);
          const others = problems.filter((p) => !isCephNameLint(p));
          assert.deepStrictEqual(others, []);
          assert(code === 0 || code === 3, `promtool exit code ${code}`);
        }
      });
    });
  },
});

Deno.test({
  name: "the real cluster log reaches the manager as clog updates (Ceph's LogEntry)",
  ...realCluster,
  fn: async () => {
    await using admin = await connectDev();
    await withManager(async (_m, cluster) => {
      const entries: ClusterLogEntry[] = [];
      const off = cluster.subscribe((u) => {
        if (u.kind === "clog") entries.push(u.entry);
      });
      try {
        const text = `real link clog ${Math.floor(performance.now())}`;
        await admin.monCommand({ prefix: "log", logtext: [text] });
        await until("the entry", () => Promise.resolve(entries.some((e) => e.message === text)));
        const e = entries.find((e) => e.message === text)!;
        assert.equal(e.name, "client.admin");
        assert.equal(e.channel, "cluster");
        assert.equal(e.priority, "[INF]");
        assert.match(e.stamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
      } finally {
        off();
      }
    });
  },
});

Deno.test({
  name: "the OSDs' and mons' perf counters reach the counter store: schema and values",
  ...realCluster,
  fn: async () => {
    await using admin = await connectDev();
    await withManager(async (m) => {
      await until("two points of osd.0's counters", () => {
        const points = m.perf.get_counter("osd", "0", "osd.op_w")["osd.op_w"] ?? [];
        return Promise.resolve(points.length >= 2);
      }, 30);
      const real = (await admin.osdCommand(0, { prefix: "perf dump", format: "json" })).json<
        { osd: { op_w: number } }
      >();
      const points = m.perf.get_counter("osd", "0", "osd.op_w")["osd.op_w"]!;
      const last = points.at(-1)!;
      assert.ok(last[1]! <= real.osd.op_w, "a counter read before the real one");
      // A long-running average carries its sum and count.
      const lat = m.perf.get_counter("osd", "0", "osd.op_w_latency")["osd.op_w_latency"]!;
      assert.equal(lat.at(-1)!.length, 3);
      assert.ok(m.perf.has("mon.a"), "the mon's counters too");
      assert.ok(!m.perf.has("osd.99"));
    });
  },
});

Deno.test({
  name: "a real OSD's histogram counters are in the manager's schema as the real manager has " +
    "them (type 26, value 0)",
  ...realCluster,
  fn: async () => {
    await withManager(async (m) => {
      await until("osd.0's counters", () => Promise.resolve(m.perf.has("osd.0")), 30);
      type Schema = Record<string, Record<string, { type: number; priority: number }>>;
      const ours = m.perf.get_perf_schema("osd", "0") as Schema;
      const real = referenceGet("get_perf_schema_osd_0.json").value as Schema;
      // The same counters as the real ceph-mgr's get_perf_schema('osd', '0'), in its order.
      assert.deepEqual(Object.keys(ours["osd.0"]!), Object.keys(real["osd.0"]!));
      const histograms = Object.keys(ours["osd.0"]!).filter((k) => k.endsWith("_histogram"));
      assert.deepEqual(histograms, [
        "osd.op_r_latency_out_bytes_histogram",
        "osd.op_rw_latency_in_bytes_histogram",
        "osd.op_rw_latency_out_bytes_histogram",
        "osd.op_w_latency_in_bytes_histogram",
      ]);
      for (const k of histograms) assert.deepEqual(ours["osd.0"]![k], real["osd.0"]![k], k);
      const all = m.perf.get_all_perf_counters() as Record<
        string,
        Record<string, { value: number; count?: number }>
      >;
      const h = all["osd.0"]!["osd.op_w_latency_in_bytes_histogram"]!;
      assert.equal(h.value, 0, "the u64 a histogram reports to its manager");
      assert.equal(h.count, undefined, "not a long-running average");
      const points = m.perf.get_counter("osd", "0", "osd.op_w_latency_in_bytes_histogram");
      assert.ok((points["osd.op_w_latency_in_bytes_histogram"] ?? []).every((p) => p[1] === 0));
    });
  },
});

Deno.test({
  name: "on the real link the manager keeps its own counters: tell mgr perf dump, and " +
    "get_perf_schema('mgr', id) as the real ceph-mgr reports itself",
  ...realCluster,
  fn: async () => {
    await withManager(async (m) => {
      const r = await m.command({
        prefix: "tell",
        target: "mgr",
        args: ["perf", "dump"],
        format: "json",
      });
      assert.equal(r.r, 0, r.outs);
      const dump = JSON.parse(r.outb) as Record<string, unknown>;
      for (const module of ["keeper", "hello"]) assert.ok(`finisher-${module}` in dump, module);
      assert.ok("mgr" in dump);
      await until("mgr.x in its own counter store", () => Promise.resolve(m.perf.has("mgr.x")), 20);
      const real = referenceGet("perf12/get_perf_schema_mgr_self.json").value as Record<
        string,
        Record<string, unknown>
      >;
      const ours = m.perf.get_perf_schema("mgr", "x") as Record<string, Record<string, unknown>>;
      assert.deepEqual(ours["mgr.x"]!["mgr.cache_hit"], real["mgr.x"]!["mgr.cache_hit"]);
      assert.deepEqual(ours["mgr.x"]!["mgr.cache_miss"], real["mgr.x"]!["mgr.cache_miss"]);
    });
  },
});

Deno.test({
  name: "get_daemon_status() answers a real service daemon's reported status, {} for the " +
    "others, as the real ceph-mgr; get_metadata() knows the service daemon",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const daemon = new Deno.Command("/usr/bin/python3", {
      args: [`${FIXTURES}/../service_daemon.py`, dev.conf, dev.keyring ?? "-", "mgrdtest", "d1"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const first = await daemon.stdout.getReader().read();
      assert.equal(new TextDecoder().decode(first.value).trim(), "registered");
      await withManager(async (m) => {
        await until("mgrdtest.d1's status", () => {
          const st = m.daemonIndex().get_daemon_status("mgrdtest", "d1");
          return Promise.resolve(st !== null && Object.keys(st).length > 0);
        }, 30);
        const index = m.daemonIndex();
        // What the real ceph-mgr answered for a daemon registered the same way (perfprobe).
        const real = referenceGet("perf12/get_daemon_status_mgrdprobe_p1.json").value;
        assert.deepEqual(index.get_daemon_status("mgrdtest", "d1"), real);
        assert.deepEqual(
          index.get_daemon_status("osd", "0"),
          referenceGet("perf12/get_daemon_status_osd_0.json").value,
        );
        assert.deepEqual(
          index.get_daemon_status("mon", "a"),
          referenceGet("perf12/get_daemon_status_mon_a.json").value,
        );
        assert.equal(index.get_daemon_status("mgrdtest", "nosuch"), null);
        const meta = index.get_metadata("mgrdtest", "d1")!;
        const realMeta = referenceGet("perf12/get_metadata_mgrdprobe_p1.json").value as Record<
          string,
          string
        >;
        assert.equal(Object.keys(meta)[0], "hostname");
        assert.equal(meta.zone, "z1");
        assert.deepEqual(Object.keys(meta).sort(), Object.keys(realMeta).sort());
      });
    } finally {
      await daemon.stdin.close();
      await daemon.status;
    }
  },
});

Deno.test({
  name: "have_mon_connection() turns false while the real mon does not answer, true when it does",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const mon = Number((await Deno.readTextFile(`${dev.dir}/run/mon.a.pid`)).trim());
    await withManager(async (m) => {
      assert.equal(m.link.connected(), true);
      const before = m.get("osd_map");
      // SIGSTOP: the mon's sockets stay open, it just stops answering (a hung or cut-off mon).
      Deno.kill(mon, "SIGSTOP");
      try {
        await until("the session to go down", () => Promise.resolve(!m.link.connected()), 20);
        assert.equal(m.get("osd_map"), before, "the views stand still while it is down");
      } catch (e) {
        Deno.kill(mon, "SIGCONT");
        throw e;
      }
      // A write made meanwhile waits for the mon, and completes once it is back.
      const during = m.command({ prefix: "keeper put", key: "during", value: "outage" });
      await new Promise((r) => setTimeout(r, 500));
      Deno.kill(mon, "SIGCONT");
      const write = await during;
      assert.equal(write.r, 0, write.outs);
      await using admin = await connectDev();
      const stored = await admin.monCommand({ prefix: "config-key get", key: "mgr/keeper/during" });
      assert.equal(stored.text(), "outage");
      await until("the session to return", () => Promise.resolve(m.link.connected()), 30);
      await m.command({ prefix: "config-key rm", key: "mgr/keeper/during" });
    });
  },
});

Deno.test({
  name:
    "while the real mon does not answer, status and health answer from the manager's last view with the stale note",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const mon = Number((await Deno.readTextFile(`${dev.dir}/run/mon.a.pid`)).trim());
    await withManager(async (m) => {
      const last = JSON.parse((await m.command({ prefix: "health", format: "json" })).outb);
      Deno.kill(mon, "SIGSTOP");
      try {
        // The session is not known to be down yet: the mon is waited for a while, not for ever.
        const waited = await m.command({ prefix: "health", format: "json" });
        assert.equal(waited.r, 0, waited.outs);
        assert.equal(waited.outs, NO_MON_CONNECTION);
        assert.deepEqual(JSON.parse(waited.outb), last);
        await until("the session to go down", () => Promise.resolve(!m.link.connected()), 20);
        const json = await m.command({ prefix: "status", format: "json" });
        assert.equal(json.r, 0, json.outs);
        assert.equal(json.outs, NO_MON_CONNECTION);
        const status = JSON.parse(json.outb);
        assert.equal(status.fsid, dev.fsid);
        assert.equal(status.osdmap.num_osds, 3);
        assert.deepEqual(status.health.checks, last.checks);
        const text = await m.command({ prefix: "status" });
        assert.equal(text.outs, NO_MON_CONNECTION);
        assert.match(text.outb, new RegExp(`^  cluster:\n    id:     ${dev.fsid}\n    health: `));
        assert.match(text.outb, /\n {4}osd: 3 osds: 3 up/);
      } finally {
        Deno.kill(mon, "SIGCONT");
      }
      await until("the session to return", () => Promise.resolve(m.link.connected()), 30);
      const after = await m.command({ prefix: "health" });
      assert.deepEqual([after.r, after.outs], [0, ""]);
    });
  },
});

Deno.test({
  name: "set_store from a module is in the real mon's config-key store when it resolves",
  ...realCluster,
  fn: async () => {
    await using admin = await connectDev();
    await withManager(async (m) => {
      const value = `v${Math.floor(performance.now())}`;
      const put = await m.command({ prefix: "keeper put", key: "k1", value });
      assert.equal(put.r, 0, put.outs);
      const real = await admin.monCommand({ prefix: "config-key get", key: "mgr/keeper/k1" });
      assert.equal(real.text(), value);
      // A change made with the real CLI reaches the module's store.
      await admin.monCommand({ prefix: "config-key set", key: "mgr/keeper/k1", val: "external" });
      await until("the external value in the module's store", async () => {
        const got = await m.command({ prefix: "keeper get", key: "k1" });
        return got.outb === "external";
      }, 10);
      // One made through mgrd's own `config-key set` reaches it at once.
      const direct = await m.command({ prefix: "config-key set", key: "mgr/keeper/k1", val: "d" });
      assert.equal(direct.r, 0, direct.outs);
      await m.settled();
      assert.equal((await m.command({ prefix: "keeper get", key: "k1" })).outb, "d");
      await admin.monCommand({ prefix: "config-key rm", key: "mgr/keeper/k1" });
      // A module option is checked by mgrd, then stored in the real config DB.
      const bad = await m.command({
        prefix: "config set",
        who: "mgr",
        name: "mgr/hello/emphatic",
        value: "maybe",
      });
      assert.equal(bad.r, -22);
      const set = await m.command({
        prefix: "config set",
        who: "mgr",
        name: "mgr/hello/place",
        value: "Pluto",
      });
      assert.equal(set.r, 0, set.outs);
      const dump = (await admin.monCommand({ prefix: "config dump", format: "json" })).json<
        { section: string; name: string; value: string }[]
      >();
      assert.ok(dump.some((e) => e.name === "mgr/hello/place" && e.value === "Pluto"));
      // And one made with the real CLI reaches the module (hello reads it in config_notify()).
      await admin.monCommand({
        prefix: "config set",
        who: "mgr",
        name: "mgr/hello/place",
        value: "Venus",
        force: true,
      });
      await until("the module to see the real CLI's option", async () => {
        return (await m.command({ prefix: "hello" })).outb === "Hello Venus!";
      }, 10);
      await admin.monCommand({ prefix: "config rm", who: "mgr", name: "mgr/hello/place" });
    });
  },
});

Deno.test({
  name: "mgrd serve --ceph-conf runs on the real cluster: a module answers, the mon's commands too",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const dataDir = await Deno.makeTempDir({ prefix: "mgrd-real-serve-" });
    const daemon = await startDaemon(
      dataDir,
      "--ceph-conf",
      dev.conf,
      ...(dev.keyring ? ["--keyring", dev.keyring] : []),
      "--mgr-module-path",
      FIXTURES,
      "--initial-modules",
      "keeper hello",
    );
    try {
      const put = await ceph(dataDir, "keeper", "put", "served", "yes");
      assert.equal(put.rc, 0, put.stderr);
      const got = await ceph(dataDir, "keeper", "get", "served");
      assert.equal(got.stdout, "yes");
      const fsid = await ceph(dataDir, "fsid");
      assert.equal(fsid.stdout.trim(), dev.fsid);
      const tree = await ceph(dataDir, "osd", "tree");
      assert.equal(tree.rc, 0, tree.stderr);
      assert.match(tree.stdout, /osd\.0 +up/);
      // `--help` lists the real cluster's commands, the real ceph-mgr's modules' too.
      const help = await ceph(dataDir, "--help", "osd", "pool");
      assert.match(help.stdout, /osd pool autoscale-status/);
      assert.match(help.stdout, /osd pool create <pool>/);
    } finally {
      daemon.kill("SIGTERM");
      assert.equal((await daemon.status).code, 0);
      await using admin = await connectDev();
      await admin.monCommand({ prefix: "config-key rm", key: "mgr/keeper/served" });
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "two mgrd processes on one cluster agree on one active through a RADOS lock; kill -9 fails over",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const x = await Deno.makeTempDir({ prefix: "mgrd-ha-x-" });
    const y = await Deno.makeTempDir({ prefix: "mgrd-ha-y-" });
    const common = [
      "--ceph-conf",
      dev.conf,
      ...(dev.keyring ? ["--keyring", dev.keyring] : []),
      "--ha-pool",
      "mgrd-ha-test",
      "--ha-lock-seconds",
      "4",
    ];
    const active = await startDaemon(x, "--id", "x", ...common);
    let standby: Deno.ChildProcess | undefined;
    try {
      const stat = async (dir: string) => {
        const out = await ceph(dir, "mgr", "stat", "-f", "json");
        return out.rc === 0 ? JSON.parse(out.stdout) as { active_name: string } : undefined;
      };
      assert.equal((await stat(x))?.active_name, "x");
      // One keyring for both, as a standby sends its callers on to the active endpoint.
      await Deno.copyFile(`${x}/keyring`, `${y}/keyring`);
      await Deno.chmod(`${y}/keyring`, 0o600);
      standby = await startDaemonWithId(y, "y", common);
      // A standby's endpoint sends callers on to the active one's once it read its address
      // from the lock object; before that it answers the mon's commands itself (`mgr stat` is
      // MgrMonitor's) and refuses the manager's own with a word about being a standby.
      await until("mgr.y to be up as a standby", async () => {
        const out = await ceph(y, "mgr", "stat", "-f", "json");
        if (out.rc === 0) {
          return (JSON.parse(out.stdout) as { active_name: string }).active_name !== "y";
        }
        return /standby/.test(out.stderr);
      }, 30);
      assert.equal((await stat(x))?.active_name, "x", "still x: the lock is x's");
      // What the active runs is in the lock object, for whoever takes over.
      assert.equal((await ceph(x, "mgr", "module", "enable", "iostat")).rc, 0);
      await using admin = await connectDev();
      await using io = await admin.openIoctx("mgrd-ha-test");
      await until("iostat in the lock object", async () => {
        // The lock object is written by the active one; between writes it may read empty.
        const text = new TextDecoder().decode(await io.read("mgrd.active"));
        if (!text) return false;
        const holder = JSON.parse(text);
        return (holder as { modules: string[] }).modules.includes("iostat");
      }, 10);
      const killed = performance.now();
      active.kill("SIGKILL");
      await active.status;
      await until("mgr.y to take over", async () => (await stat(y))?.active_name === "y", 30);
      console.log(`failover after kill -9: ${((performance.now() - killed) / 1000).toFixed(1)} s`);
      const hello = await ceph(y, "hello");
      assert.equal(hello.rc, 0, hello.stderr);
      const ls = await ceph(y, "mgr", "module", "ls", "-f", "json");
      assert.ok(
        (JSON.parse(ls.stdout) as { enabled_modules: string[] }).enabled_modules.includes("iostat"),
        "y runs what x ran",
      );
    } finally {
      try {
        active.kill("SIGKILL");
      } catch { /* already gone */ }
      await active.status;
      if (standby) {
        standby.kill("SIGTERM");
        await standby.status;
      }
      await Deno.remove(x, { recursive: true });
      await Deno.remove(y, { recursive: true });
    }
  },
});

Deno.test({
  name: "a standby mgrd process's endpoint answers 307 to the same path on the active " +
    "process's endpoint, which it learnt from the lock object",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const x = await Deno.makeTempDir({ prefix: "mgrd-307-x-" });
    const y = await Deno.makeTempDir({ prefix: "mgrd-307-y-" });
    const pool = "mgrd-ha-redirect";
    const common = [
      "--ceph-conf",
      dev.conf,
      ...(dev.keyring ? ["--keyring", dev.keyring] : []),
      "--ha-pool",
      pool,
      "--ha-lock-seconds",
      "3",
    ];
    const active = await startDaemon(x, "--id", "x", ...common);
    let standby: Deno.ChildProcess | undefined;
    try {
      const xUrl = (await Deno.readTextFile(`${x}/mgrd.x.url`)).trim();
      // One keyring for both endpoints, so that a client sent on to x is known there.
      await Deno.copyFile(`${x}/keyring`, `${y}/keyring`);
      await Deno.chmod(`${y}/keyring`, 0o600);
      standby = await startDaemonWithId(y, "y", common);
      const yUrl = (await Deno.readTextFile(`${y}/mgrd.y.url`)).trim();
      const token = /\[client\.admin\][^[]*?key = (\S+)/.exec(
        await Deno.readTextFile(`${y}/keyring`),
      )?.[1];
      assert.ok(token, "client.admin in y's keyring");
      // The processes share no file: y has x's address only from what x wrote to the cluster.
      await using admin = await connectDev();
      await using io = await admin.openIoctx(pool);
      await until("x's endpoint in the lock object", async () => {
        const text = new TextDecoder().decode(await io.read("mgrd.active"));
        return text !== "" && (JSON.parse(text) as { endpoint?: string }).endpoint === xUrl;
      }, 20);
      let res: Response | undefined;
      await until("y to redirect", async () => {
        res = await fetch(`${yUrl}/api/v1/command?from=test`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ prefix: "mgr stat" }),
          redirect: "manual",
        });
        const redirected = res.status === 307;
        if (!redirected) await res.body?.cancel();
        return redirected;
      }, 20);
      assert.equal(res!.headers.get("location"), `${xUrl}/api/v1/command?from=test`);
      const body = await res!.json() as { error: string };
      assert.match(body.error, /mgr\.y is a standby; the active manager is mgr\.x/);
      // A GET is redirected the same way, path and all.
      const get = await fetch(`${yUrl}/api/v1/health`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: "manual",
      });
      await get.body?.cancel();
      assert.equal(get.status, 307);
      assert.equal(get.headers.get("location"), `${xUrl}/api/v1/health`);
      // `mgrd ceph` pointed at the standby follows the redirect: the active one answers.
      const services = await ceph(y, "mgr", "services", "-f", "json");
      assert.equal(services.rc, 0, services.stderr);
      const stat = await ceph(y, "mgr", "stat", "-f", "json");
      assert.equal((JSON.parse(stat.stdout) as { active_name: string }).active_name, "x");
    } finally {
      active.kill("SIGTERM");
      await active.status;
      if (standby) {
        standby.kill("SIGTERM");
        await standby.status;
      }
      await Deno.remove(x, { recursive: true });
      await Deno.remove(y, { recursive: true });
    }
  },
});

Deno.test({
  name: "the real link opens an auth-none cluster without a ceph-mgr: maps, and no PG stats",
  ...realCluster,
  fn: async () => {
    const dev = await devClusterAuthNone();
    const clock = new WallClock();
    const rados = await connectRados({ confFile: dev.conf, conf: { admin_socket: "" } });
    const cluster = await RealCluster.open(rados, {
      clock,
      mgrMapPath: ":memory:",
      alwaysOnModules: ALWAYS_ON_MODULES,
      initialModules: [],
      perfSeconds: 0,
    });
    try {
      assert.equal(cluster.fsid(), dev.fsid);
      const map = cluster.get("osd_map") as { epoch: number; osds: unknown[] };
      assert.ok(map.epoch >= 1);
      assert.deepEqual(map.osds, []);
      assert.ok(cluster.commands().some((c) => c.sig.startsWith("osd dump")));
      assert.equal(cluster.get("osd_ping_times"), null, "no ceph-mgr, no pg dump");
    } finally {
      await cluster.close();
    }
  },
});

Deno.test({
  name: "mgrd serve --ceph-conf exits with ETIMEDOUT and one clear line when no mon answers",
  ...realCluster,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "mgrd-real-unreachable-" });
    try {
      // A port nothing listens on: the mon never answers.
      await Deno.writeTextFile(
        `${dir}/ceph.conf`,
        "[global]\nmon_host = v2:127.0.0.1:1\nauth_client_required = none\n",
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          MAIN,
          "serve",
          "--data-dir",
          `${dir}/data`,
          "--port",
          "0",
          "--ceph-conf",
          `${dir}/ceph.conf`,
          "--connect-timeout",
          "2",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 110, stderr);
      assert.match(stderr, /^mgrd serve: rados_connect: Error ETIMEDOUT: .* did not answer/);
      assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a module's this.rados on the real cluster: objects, partial writes, appends, omap, namespaces and shared locks in a real pool, seen by librados",
  ...realCluster,
  fn: async () => {
    await ensurePool();
    await using admin = await connectDev();
    await using io = await admin.openIoctx(POOL);
    await withManager(async (m) => {
      const mod = m.host.instance("hello") as unknown as {
        rados: import("../core/rados.ts").Rados;
      };
      assert.equal(await mod.rados.pool_exists(POOL), true);
      const ioctx = await mod.rados.open_ioctx(POOL);
      await ioctx.write_full("mgrd-obj", "from a module");
      assert.equal(new TextDecoder().decode(await io.read("mgrd-obj")), "from a module");
      assert.equal(new TextDecoder().decode(await ioctx.read("mgrd-obj", 4, 5)), "a mo");
      assert.equal((await ioctx.stat("mgrd-obj")).size, 13);
      await ioctx.set_omap("mgrd-obj", ["a", "b", "c"], ["1", "2", "3"]);
      const vals = await ioctx.get_omap_vals("mgrd-obj", "a", "", 1);
      assert.deepEqual(vals.map(([k, v]) => [k, new TextDecoder().decode(v)]), [["b", "2"]]);
      assert.ok((await ioctx.list_objects()).some((o) => o.key === "mgrd-obj"));
      // Partial writes and appends are the OSD's own (rados_write, rados_append).
      await ioctx.write("mgrd-obj", "A MO", 5);
      await ioctx.append("mgrd-obj", "!");
      assert.equal(new TextDecoder().decode(await io.read("mgrd-obj")), "from A MOdule!");
      // A namespace is the module's own: librados sees the object there, not in the default one.
      const ns = await mod.rados.open_ioctx(POOL);
      ns.set_namespace("mgrd-ns");
      await ns.write_full("mgrd-obj", "in a namespace");
      await using nsIo = await admin.openIoctx(POOL, "mgrd-ns");
      assert.equal(new TextDecoder().decode(await nsIo.read("mgrd-obj")), "in a namespace");
      assert.equal(new TextDecoder().decode(await io.read("mgrd-obj")), "from A MOdule!");
      assert.deepEqual((await ns.list_objects()).map((o) => o.key), ["mgrd-obj"]);
      // Shared locks are real: two cookies share, an exclusive one is refused meanwhile.
      await ns.lock_shared("mgrd-obj", "l", "c1");
      await ns.lock_shared("mgrd-obj", "l", "c2");
      await assert.rejects(() => ns.lock_exclusive("mgrd-obj", "l", "c3"));
      await ns.unlock("mgrd-obj", "l", "c1");
      await ns.unlock("mgrd-obj", "l", "c2");
      await ns.remove_object("mgrd-obj");
      ns.close();
      await ioctx.remove_object("mgrd-obj");
      await assert.rejects(() => io.read("mgrd-obj"), /ENOENT/);
      await assert.rejects(() => ioctx.read("mgrd-obj"));
      ioctx.close();
    });
  },
});
