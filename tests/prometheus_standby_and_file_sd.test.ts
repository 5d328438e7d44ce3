/**
 * The exporter's lifecycle parts as Ceph 16.2.15 has them (tests/ceph-reference/prometheus/,
 * cli/behaviour/prometheus): the standby's pages and content types, `prometheus
 * file_sd_config`, and `mgr services` following the exporter's enable and disable.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import * as prometheus from "../modules/prometheus/module.ts";
import { referenceText } from "./_reference.ts";

/** A capture of `curl -sS -D -`: its status, Content-Type and body. */
function capture(name: string): { status: number; type: string; body: string } {
  const text = referenceText(`prometheus/${name}`);
  const [head, ...rest] = text.split("\n").slice(1).join("\n").split(/\r?\n\r?\n/);
  return {
    status: Number(/^HTTP\/1\.1 (\d+)/.exec(head!)![1]),
    type: /Content-Type: ([^\r\n]+)/.exec(head!)![1]!,
    body: rest.join("\n\n"),
  };
}

async function cluster() {
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8 }] },
    standbys: ["y"],
  });
  const set = async (name: string, value: string) => {
    const r = await c.command({ prefix: "config set", who: "mgr", name, value });
    assert.equal(r.r, 0, r.outs);
  };
  await set("mgr/prometheus/x/server_port", "0");
  await set("mgr/prometheus/y/server_port", "0");
  return { c, set };
}

Deno.test("the standby exporter's pages: Ceph's index and an empty text/plain;charset=utf-8 /metrics", async () => {
  const { c, set } = await cluster();
  try {
    assert.equal((await c.command({ prefix: "mgr module enable", module: "prometheus" })).r, 0);
    await c.run(10);
    const active = (c.manager.host.instance("prometheus") as prometheus.Module).uri;
    const standby = c.standbyManagers[0]!.standby.instance(
      "prometheus",
    ) as prometheus.StandbyModule;
    assert.ok(standby.port > 0);
    const base = `http://127.0.0.1:${standby.port}/`;
    const get = async (path: string) => {
      const r = await fetch(base + path);
      return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text() };
    };
    const index = capture("standby_index.txt");
    assert.deepStrictEqual(await get(""), {
      ...index,
      body: index.body.replace("http://127.0.0.1:9283/", active),
    });
    assert.deepStrictEqual(await get("metrics"), capture("standby_metrics.txt"));
    await set("mgr/prometheus/standby_behaviour", "error");
    await c.run(1);
    const error = capture("standby_error_index.txt");
    const got = await get("");
    assert.deepStrictEqual([got.status, got.type], [error.status, error.type]);
    assert.ok(got.body.includes("Keep on looking"));
    assert.deepStrictEqual(await get("metrics"), capture("standby_error_metrics.txt"));
  } finally {
    await c.stop();
  }
});

Deno.test("prometheus file_sd_config lists every manager's host and exporter port, as Python's json.dumps", async () => {
  const { c, set } = await cluster();
  try {
    await set("mgr/prometheus/x/server_port", "9283");
    await set("mgr/prometheus/y/server_port", "9284");
    // An address no exporter can bind (TEST-NET-1): the ports are only listed, never taken
    // from the machine's other users.
    await set("mgr/prometheus/server_addr", "192.0.2.1");
    assert.equal((await c.command({ prefix: "mgr module enable", module: "prometheus" })).r, 0);
    await c.run(1);
    const servers = c.manager.daemonIndex().list_servers();
    // In list_servers() order (by host name), each manager with its localized port.
    const ports: Record<string, number> = { x: 9283, y: 9284 };
    const targets = servers.flatMap((s) =>
      s.services.filter((v) => v.type === "mgr").map((v) => `"${s.hostname}:${ports[v.id]}"`)
    );
    assert.equal(targets.length, 2);
    for (const format of [undefined, "json"]) {
      const r = await c.command({
        prefix: "prometheus file_sd_config",
        ...(format ? { format } : {}),
      });
      assert.equal(r.r, 0, r.outs);
      assert.equal(
        r.outb,
        `[{"targets": [${targets.join(", ")}], "labels": {}}]`,
      );
    }
    // The capture's shape, on its one-host layout.
    const cap = referenceText(
      "cli/behaviour/prometheus/11_prometheus_file_sd_config_after_failover.txt",
    );
    assert.match(cap, /\[\{"targets": \["vm:9283", "vm:9284"\], "labels": \{\}\}\]/);
  } finally {
    await c.stop();
  }
});

Deno.test("mgr services follows the exporter's enable and disable once the command returns", async () => {
  const { c } = await cluster();
  try {
    const services = async () =>
      JSON.parse((await c.manager.command({ prefix: "mgr services", format: "json" })).outb);
    assert.deepStrictEqual(await services(), {});
    assert.equal((await c.command({ prefix: "mgr module enable", module: "prometheus" })).r, 0);
    await c.run(2);
    const uri = (c.manager.host.instance("prometheus") as prometheus.Module).uri;
    assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepStrictEqual(await services(), { prometheus: uri });
    const r = await c.manager.command({ prefix: "mgr module disable", module: "prometheus" });
    assert.equal(r.r, 0, r.outs);
    assert.deepStrictEqual(await services(), {}, "gone as the disable returns");
    await assert.rejects(() => fetch(`${uri}metrics`), "the exporter stopped");
  } finally {
    await c.stop();
  }
});
