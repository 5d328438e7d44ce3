/**
 * Ceph 16.2.15's own alert rules (tests/ceph-reference/monitoring/prometheus_alerts.yml, loaded
 * as is) on a real Prometheus server scraping the exporter of a simulated cluster, with faults
 * injected through the `sim fault` commands: CephMonDown, CephOSDDown, CephOSDHostDown,
 * CephSlowOps, CephFilesystemOffline and CephHealthError each go pending once its condition
 * holds, not before, and all go away after `sim heal`.
 *
 * The rules' `for:` durations (30 s to 5 min) are left as they are, expressions and all:
 * Prometheus evaluates in wall time while the cluster runs on a virtual clock, so the test runs
 * cluster minutes in wall seconds and asserts "pending or firing", which is what an alert is
 * from its first true evaluation. CephMonDown (`for: 30s`), injected first, is also seen firing.
 * Skipped, with a warning, when the prometheus binary is not installed.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { faultCommands } from "../sim/fault_commands.ts";
import { FaultInjector } from "../sim/faults/faults.ts";
import {
  activeAlerts,
  CEPH_ALERT_RULES,
  havePrometheus,
  sleep,
  until,
  withScrapedCluster,
} from "./_prometheus_server.ts";

/** The alerts under test; every one keeps its 16.2.15 name. */
const WATCHED = [
  "CephMonDown",
  "CephOSDDown",
  "CephOSDHostDown",
  "CephSlowOps",
  "CephFilesystemOffline",
  "CephHealthError",
] as const;

interface RuleGroup {
  name: string;
  lastEvaluation: string;
  rules: { name: string; type: string; health: string; lastError?: string; query: string }[];
}

async function ruleGroups(api: string): Promise<RuleGroup[]> {
  const r = await fetch(`${api}/api/v1/rules`);
  const body = await r.json() as { status: string; data?: { groups: RuleGroup[] } };
  assert.deepStrictEqual(body.status, "success", "GET /api/v1/rules");
  return body.data!.groups;
}

/** `sim fault ...` / `sim heal` as `mgrd ceph` sends them to the embedded cluster. */
function simCommands(c: TestCluster) {
  const [fault, heal] = faultCommands(new FaultInjector(c.cluster!), 1);
  const caller = { entity: "client.admin", caps: "allow *" };
  return {
    async fault(kind: string, target?: string, duration?: number) {
      const res = await fault!.run(
        {
          prefix: "sim fault",
          kind,
          ...(target !== undefined ? { target } : {}),
          ...(duration !== undefined ? { duration } : {}),
        },
        "",
        caller,
      );
      assert.deepStrictEqual(res.r, 0, res.outs);
    },
    async heal() {
      const res = await heal!.run({ prefix: "sim heal" }, "", caller);
      assert.deepStrictEqual(res.r, 0, res.outs);
    },
  };
}

Deno.test({
  name:
    "Ceph's alert rules on a real Prometheus: mon, OSD, host, slow-ops, filesystem and HEALTH_ERR alerts go pending with their faults",
  ignore: !(await havePrometheus("the Ceph alert rules test")),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withScrapedCluster([CEPH_ALERT_RULES], async (c, api) => {
      // The whole file loaded: every rule healthy, every group evaluated after the first scrape.
      const loadedAt = Date.now();
      await until(
        "every rule group evaluated",
        30,
        async () =>
          (await ruleGroups(api)).every((g) => Date.parse(g.lastEvaluation) > loadedAt + 1000),
      );
      const groups = await ruleGroups(api);
      const rules = groups.flatMap((g) => g.rules).filter((r) => r.type === "alerting");
      assert.deepStrictEqual(rules.length, 58, "16.2.15's 58 alerts");
      for (const r of rules) assert.deepStrictEqual(r.health, "ok", `${r.name}: ${r.lastError}`);
      for (const name of WATCHED) assert(rules.some((r) => r.name === name), `${name} loaded`);

      const active = async () => {
        const out = new Map<string, string>();
        for (const a of await activeAlerts(api)) out.set(a.labels.alertname!, a.state);
        return out;
      };
      const watchedActive = async () => {
        const now = await active();
        return WATCHED.filter((n) => now.has(n));
      };
      assert.deepStrictEqual(await watchedActive(), [], "a healthy cluster raises none of them");

      // Each fault, then cluster time in 5 s steps, each step scraped and evaluated (1 s each
      // in wall time), until its alerts are active; the others must still be inactive.
      const sim = simCommands(c);
      const expectActive = async (
        what: string,
        want: readonly string[],
        notYet: readonly string[],
      ) => {
        let now = new Map<string, string>();
        for (let step = 0; step < 24; step++) {
          await c.run(5);
          await sleep(1200);
          now = await active();
          if (want.every((n) => now.has(n))) break;
        }
        for (const n of want) {
          assert(
            now.get(n) === "pending" || now.get(n) === "firing",
            `${what}: ${n} active (active: ${[...now.keys()].join(", ")})`,
          );
        }
        for (const n of notYet) assert(!now.has(n), `${what}: ${n} not active yet`);
      };

      const monDownAt = Date.now();
      await sim.fault("mon-down", "c", 3600);
      await expectActive("mon.c down", ["CephMonDown"], WATCHED.slice(1));
      await sim.fault("osd-down", "osd.0");
      await expectActive("osd.0 down", ["CephOSDDown"], WATCHED.slice(2));
      await sim.fault("host-down", "host2");
      await expectActive("host2 down", ["CephOSDHostDown"], WATCHED.slice(3));
      await sim.fault("slow-osd", "osd.7", 3600);
      await expectActive("osd.7 slow", ["CephSlowOps"], WATCHED.slice(4));
      // Both MDS daemons down: no MDS for the file system's rank, MDS_ALL_DOWN, HEALTH_ERR.
      await sim.fault("mds-down", "a");
      await sim.fault("mds-down", "b");
      await expectActive("every mds down", ["CephFilesystemOffline", "CephHealthError"], []);

      // CephMonDown has been true for over its `for: 30s`: it fires.
      const firingBy = Math.max(0, 40 - (Date.now() - monDownAt) / 1000);
      await until("CephMonDown firing", firingBy + 10, async () => {
        await c.run(1);
        return (await active()).get("CephMonDown") === "firing";
      });

      await sim.heal();
      let left: string[] = [];
      for (let step = 0; step < 24; step++) {
        await c.run(10);
        await sleep(1200);
        left = await watchedActive();
        if (left.length === 0) break;
      }
      assert.deepStrictEqual(left, [], "healed: none of them active");
    }),
});
