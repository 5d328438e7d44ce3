import assert from "node:assert/strict";
import { referenceCli } from "./_reference.ts";
import { healthReport, normaliseHealthChecks } from "../core/health.ts";
import { healthDetailText, healthSummaryText } from "../core/health_output.ts";
import { timespanText } from "../ceph/time.ts";

function reference(name: string): string {
  return referenceCli(name).stdout;
}

Deno.test("normaliseHealthChecks() maps severities and keeps well-formed checks", () => {
  const { checks, problems } = normaliseHealthChecks({
    A_WARN: { severity: "warning", summary: "a thing", count: 2, detail: ["d1", "d2"] },
    B_ERR: { severity: "error", summary: "b thing" },
    C_INFO: { severity: "info", summary: "not raised" },
    D_BAD: { severity: "error" },
    E_BADDETAIL: { severity: "warning", summary: "e", detail: ["ok", 3] },
  });
  assert.deepEqual(Object.keys(checks).sort(), ["A_WARN", "B_ERR", "E_BADDETAIL"]);
  assert.equal(checks.A_WARN!.severity, "HEALTH_WARN");
  assert.deepEqual(checks.A_WARN!.summary, { message: "a thing", count: 2 });
  assert.deepEqual(checks.A_WARN!.detail, [{ message: "d1" }, { message: "d2" }]);
  assert.equal(checks.B_ERR!.summary.count, 0);
  assert.deepEqual(checks.E_BADDETAIL!.detail, [{ message: "ok" }]);
  assert.equal(problems.length, 3);
  assert.deepEqual(normaliseHealthChecks([]).checks, {});
  assert.deepEqual(normaliseHealthChecks(null).checks, {});
});

Deno.test("healthReport() takes the worst severity and prints like ceph health detail", () => {
  const error = "Module 'anchorfail' has failed: anchorfail deliberately raised in serve()";
  const report = healthReport({
    MGR_MODULE_ERROR: {
      severity: "HEALTH_ERR",
      summary: { message: error, count: 1 },
      detail: [{ message: error }],
      muted: false,
    },
  });
  assert.equal(report.status, "HEALTH_ERR");
  assert.equal(healthDetailText(report, 0) + "\n", reference("health_detail_module_error.txt"));
  assert.deepEqual(report, JSON.parse(reference("health_detail_module_error_json.txt")));
  assert.equal(healthSummaryText(healthReport(), 0), "HEALTH_OK");
});

Deno.test("timespanText() is Ceph's timespan_str", () => {
  const cases: [number, string][] = [
    [0.5, "0.5s"],
    [1.25, "1.25s"],
    [89.9, "89s"],
    [119, "119s"],
    [120, "2m"],
    [3540, "59m"],
    [7199, "119m"],
    [7200, "2h"],
    [47 * 3600, "47h"],
    [48 * 3600, "2d"],
    [13 * 86400, "13d"],
    [14 * 86400, "2w"],
    [83 * 86400, "11w"],
    [84 * 86400, "2M"],
    [719 * 86400, "23M"],
    [730 * 86400, "2y"],
  ];
  for (const [seconds, text] of cases) assert.equal(timespanText(seconds), text, String(seconds));
});

Deno.test("health mute of a name every object has (constructor, __proto__) answers ENOENT as Ceph does", async () => {
  const { startTestCluster } = await import("mgr_module/testing");
  const c = await startTestCluster();
  try {
    for (const code of ["constructor", "__proto__", "toString"]) {
      const r = await c.command({ prefix: "health mute", code });
      assert.deepEqual([r.r, r.outs], [-2, `health alert ${code} is not currently raised`]);
    }
  } finally {
    await c.stop();
  }
});
