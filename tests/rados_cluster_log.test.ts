import assert from "node:assert/strict";
import { EINVAL } from "../ceph/errno.ts";
import { type ClusterLogLevel, connectRados, type RadosLogEntry } from "../rados/librados.ts";
import { until } from "./_daemon.ts";
import { devCluster, radosFailure, realCluster } from "./_dev_cluster.ts";

Deno.test({
  name: "the cluster log arrives through monitor_log2 after `ceph log hello`",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    await using cluster = await connectRados({ confFile: dev.conf, keyring: dev.keyring });
    const entries: RadosLogEntry[] = [];
    const subscription = await cluster.monitorLog("info", (entry) => entries.push(entry));
    const text = `hello from mgrd ${crypto.randomUUID()}`;
    await cluster.monCommand({ prefix: "log", logtext: [text] });
    await until("the entry", () => Promise.resolve(entries.some((e) => e.message === text)), 30);
    const hello = entries.find((e) => e.message === text)!;
    assert.equal(hello.channel, "cluster");
    assert.equal(hello.level, "[INF]");
    assert.equal(hello.name, "client.admin");
    assert.match(hello.who, /^client\.\? 127\.0\.0\.1:0\/\d+$/);
    assert.match(
      hello.line,
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+\\+0000 client\\.admin \\[INF\\] ${text}$`),
    );
    assert.ok(hello.sec > 1_600_000_000 && hello.nsec >= 0 && hello.nsec < 1e9);
    // The mon's audit channel records the command that wrote it.
    await until(
      "the audit entry",
      () => Promise.resolve(entries.some((e) => e.channel === "audit" && e.message.includes(text))),
      30,
    );
    await subscription.stop();
    await subscription.stop();
  },
});

Deno.test({
  name: "monitorLog from warn up leaves the info entries out",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    await using cluster = await connectRados({ confFile: dev.conf, keyring: dev.keyring });
    const entries: RadosLogEntry[] = [];
    await cluster.monitorLog("warn", (entry) => entries.push(entry));
    const info = `info ${crypto.randomUUID()}`, warn = `warn ${crypto.randomUUID()}`;
    await cluster.monCommand({ prefix: "log", logtext: [info] });
    await cluster.monCommand({ prefix: "log", logtext: [warn], level: "warn" });
    await until("the warning", () => Promise.resolve(entries.some((e) => e.message === warn)), 30);
    assert.equal(entries.find((e) => e.message === warn)!.level, "[WRN]");
    assert.ok(!entries.some((e) => e.message === info));
    // close() stops the subscription (the test would leak its callback otherwise).
  },
});

Deno.test({
  name: "monitorLog refuses a level librados does not know with EINVAL",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    await using cluster = await connectRados({ confFile: dev.conf, keyring: dev.keyring });
    const e = await radosFailure(cluster.monitorLog("loud" as ClusterLogLevel, () => {}));
    assert.equal(e.errno, -EINVAL);
    assert.equal(e.message, "rados_monitor_log2: Error EINVAL: level 'loud'");
  },
});
