/**
 * Ceph's own QA test of the insights module (qa/tasks/mgr/test_insights.py), ported: a live
 * `mgrd serve` driven through `mgrd ceph` as the QA drives `ceph` — modules loaded with
 * `mgr module enable <m> --force` (its `_load_module`), crashes posted with `crash post -i -`,
 * health checks raised through `mgr self-test health set`, "now" shifted with
 * `mgr self-test insights_set_now_offset`, and the manager restarted.
 *
 * One assertion goes beyond the QA's: after the restart, before the prune, the history is
 * still there (mgrd keeps the hourly slots in the module's store; Ceph 16.2.15 keeps them in
 * memory and loses them, tests/ceph-reference/cli/insights/restart_*).
 */
import assert from "node:assert/strict";
import { ceph, MAIN, startDaemon, until } from "./_daemon.ts";

const UUID = "d5775432-0742-44a3-a435-45095e32e6b2";

/** `mgrd ceph ... -i -` with `stdin` as its input. */
async function cephStdin(dataDir: string, stdin: string, ...words: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "ceph", "--data-dir", dataDir, ...words],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { rc: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Python's `datetime.strftime('%Y-%m-%d %H:%M:%S.%f')` of a UTC time. */
function dateFmt(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "") + "000";
}

type Report = {
  health: {
    current: { checks: Record<string, unknown> };
    history: { checks: Record<string, unknown> };
  };
  crashes: { summary: Record<string, unknown> };
  errors: unknown[];
} & Record<string, unknown>;

class TestInsights {
  crashIds: string[] = [];
  constructor(readonly dir: string) {}

  async raw(...words: string[]) {
    const r = await ceph(this.dir, ...words);
    assert.equal(r.rc, 0, `${words.join(" ")}: ${r.stderr}`);
    return r;
  }

  async insights(): Promise<Report> {
    return JSON.parse((await this.raw("insights")).stdout);
  }

  async addCrash(hours: number): Promise<void> {
    // The QA test's own clock: the crash is dated by the caller, as `datetime.utcnow()` does.
    const timestamp = dateFmt(new Date(Date.now() - hours * 3600_000)) + "Z";
    const crashId = [timestamp, UUID].join("_").replaceAll(" ", "_");
    const r = await cephStdin(
      this.dir,
      JSON.stringify({ crash_id: crashId, timestamp }),
      "crash",
      "post",
      "-i",
      "-",
    );
    this.crashIds.push(crashId);
    assert.equal(r.rc, 0, r.stderr);
  }

  async clearCrashes(): Promise<void> {
    for (const id of this.crashIds) await ceph(this.dir, "crash", "rm", id);
  }

  /** Waits for a set of health checks to appear in the health history. */
  async waitForHealthHistoryChecks(...checks: string[]): Promise<void> {
    await until(`${checks.join(", ")} in the health history`, async () => {
      const report = await this.insights();
      return checks.every((c) => c in report.health.history.checks);
    }, 15);
  }

  async waitForCurrHealthCleared(check: string): Promise<void> {
    await until(`${check} to leave the current health`, async () => {
      const report = await this.insights();
      return !(check in report.health.current.checks);
    }, 15);
  }
}

async function loadModule(dir: string, name: string): Promise<void> {
  const r = await ceph(dir, "mgr", "module", "enable", name, "--force");
  assert.equal(r.rc, 0, r.stderr);
}

async function waitForInsights(dir: string): Promise<void> {
  await until("the insights module to answer", async () => {
    const r = await ceph(dir, "insights");
    return r.rc === 0;
  });
}

Deno.test("Ceph QA test_insights: schema, crash history and health history, across a manager restart", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-qa-insights-" });
  let daemon = await startDaemon(dir);
  try {
    await loadModule(dir, "insights");
    await loadModule(dir, "selftest");
    await waitForInsights(dir);
    // The QA runs on a settled cluster; so does this: no PG still peering or unknown.
    await until("HEALTH_OK", async () => (await ceph(dir, "health")).stdout === "HEALTH_OK\n");

    await t.step("test_schema: the report has every key", async () => {
      const tc = new TestInsights(dir);
      const report = await tc.insights();
      for (
        const key of [
          "osd_metadata",
          "pg_summary",
          "mon_status",
          "manager_map",
          "service_map",
          "mon_map",
          "crush_map",
          "fs_map",
          "osd_tree",
          "df",
          "osd_dump",
          "config",
          "health",
          "crashes",
          "version",
          "errors",
        ]
      ) assert.ok(key in report, key);
      await tc.clearCrashes();
    });

    await t.step(
      "test_crash_history: a posted crash shows in the summary, with no errors",
      async () => {
        const tc = new TestInsights(dir);
        await tc.clearCrashes();
        let report = await tc.insights();
        assert.equal(Object.keys(report.crashes.summary).length, 0);
        assert.equal(report.errors.length, 0);

        // crashes show up in the report
        await tc.addCrash(1);
        report = await tc.insights();
        assert.ok(Object.keys(report.crashes.summary).length > 0);
        assert.equal(report.errors.length, 0);
        assert.deepEqual(report.crashes, { summary: { unknown: 1 }, hours: 24 });
        await tc.clearCrashes();
      },
    );

    await t.step(
      "test_health_history: checks seen at five offsets are all in the history, which survives a restart and is pruned",
      async () => {
        const tc = new TestInsights(dir);
        // use empty health history as starting point
        await tc.raw("insights", "prune-health", "0");
        let report = await tc.insights();
        assert.deepEqual(report.health.history.checks, {});

        const checkNames = new Set<string>();
        for (const hours of [-18, -11, -5, -1, 0]) {
          // change the insight module's perception of "now" ...
          await tc.raw("mgr", "self-test", "insights_set_now_offset", String(hours));

          // ... to simulate health check arrivals in the past
          const unique = `insights_health_check_${hours}`;
          await tc.raw(
            "mgr",
            "self-test",
            "health",
            "set",
            JSON.stringify({
              [unique]: { severity: "warning", summary: "summary", detail: ["detail"] },
            }),
          );
          checkNames.add(unique);

          // and also set the same health check to test deduplication
          const dupe = "insights_health_check";
          await tc.raw(
            "mgr",
            "self-test",
            "health",
            "set",
            JSON.stringify({
              [dupe]: { severity: "warning", summary: "summary", detail: ["detail"] },
            }),
          );
          checkNames.add(dupe);

          // wait for the health check to show up in the history report
          await tc.waitForHealthHistoryChecks(unique, dupe);

          // clear out the current health checks before moving on
          await tc.raw("mgr", "self-test", "health", "clear");
          await tc.waitForCurrHealthCleared(unique);
        }

        report = await tc.insights();
        for (const check of checkNames) assert.ok(check in report.health.history.checks, check);
        // Deduplicated: one summary and one detail however often the check was seen.
        assert.deepEqual(report.health.history.checks["insights_health_check"], {
          HEALTH_WARN: { summary: ["summary"], detail: ["detail"] },
        });
        // The four past hours' slots went to the module's store when each hour ended; the
        // current hour's is written 10 s after it changed, or when the module stops.
        const keys = JSON.parse((await tc.raw("config-key", "ls")).stdout) as string[];
        const stored = keys.filter((k) => k.startsWith("mgr/insights/health_history/"));
        assert.ok(stored.length === 4 || stored.length === 5, stored.join(", "));

        // restart the manager
        daemon.kill("SIGTERM");
        assert.equal((await daemon.status).code, 0);
        daemon = await startDaemon(dir);
        await waitForInsights(dir);

        // mgrd, unlike 16.2.15, still has the history after the restart
        report = await tc.insights();
        for (const check of checkNames) assert.ok(check in report.health.history.checks, check);

        // pruning really removes history
        await tc.raw("insights", "prune-health", "0");
        report = await tc.insights();
        assert.deepEqual(report.health.history.checks, {});
        const after = JSON.parse((await tc.raw("config-key", "ls")).stdout) as string[];
        assert.deepEqual(after.filter((k) => k.startsWith("mgr/insights/health_history/")), []);
      },
    );
  } finally {
    try {
      daemon.kill("SIGTERM");
    } catch {
      // already ended
    }
    await daemon.status;
    await Deno.remove(dir, { recursive: true });
  }
});
