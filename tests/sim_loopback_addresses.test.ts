/**
 * The simulated daemons listen on the loopback as a real single-node 16.2.15 cluster's do
 * (tests/ceph-reference/cli/commands/mon12/, a tools/dev-cluster.sh cluster whose daemons
 * bind from port 27210): the first host is 127.0.0.1, each OSD takes 8 consecutive ports from
 * its host's first free one (public v2/v1, cluster, heartbeat front, heartbeat back), the
 * manager the next two, and the nonce is a pid. The simulated host's ports start at Ceph's
 * default 6800, so the real ports are compared less their base.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { clusterGet } from "../sim/cluster/get.ts";
import { referenceCli } from "./_reference.ts";

interface AddrVec {
  addrvec: { type: string; addr: string; nonce: number }[];
}
interface OsdEntry {
  osd: number;
  public_addrs: AddrVec;
  cluster_addrs: AddrVec;
  heartbeat_back_addrs: AddrVec;
  heartbeat_front_addrs: AddrVec;
  public_addr: string;
  cluster_addr: string;
  heartbeat_back_addr: string;
  heartbeat_front_addr: string;
}

/** Each address of an OSD entry with its port less `base` and without its nonce. */
function shifted(o: OsdEntry, base: number): string[] {
  const one = (a: string) =>
    a.replace(/:(\d+)(\/\d+)?$/, (_, p: string) => `:+${Number(p) - base}`);
  return [
    ...[o.public_addrs, o.cluster_addrs, o.heartbeat_back_addrs, o.heartbeat_front_addrs]
      .flatMap((v) => v.addrvec.map((a) => `${a.type}:${one(a.addr)}`)),
    ...[o.public_addr, o.cluster_addr, o.heartbeat_back_addr, o.heartbeat_front_addr].map(one),
  ];
}

const real = {
  osds: (JSON.parse(referenceCli("commands/mon12/osd_dump_json.txt").stdout) as {
    osds: OsdEntry[];
  }).osds,
  mgr: JSON.parse(referenceCli("commands/mon12/mgr_dump_json.txt").stdout) as {
    active_addrs: AddrVec;
    active_addr: string;
  },
};
const REAL_BASE = 27210;

Deno.test("one host: OSD and manager addresses on 127.0.0.1 with the real cluster's port layout, pids as nonces", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 3, mons: { count: 1 }, mgrs: ["x"], pools: [] },
  });
  try {
    await c.run(10);
    const dump = JSON.parse((await c.command({ prefix: "osd dump", format: "json" })).outb) as {
      osds: OsdEntry[];
    };
    assert.equal(dump.osds.length, real.osds.length);
    for (const [i, o] of dump.osds.entries()) {
      assert.deepEqual(shifted(o, 6800), shifted(real.osds[i]!, REAL_BASE), `osd.${i}`);
    }
    const nonces = dump.osds.map((o) => o.public_addrs.addrvec[0]!.nonce);
    for (const [i, n] of nonces.entries()) {
      assert.ok(Number.isInteger(n) && n > 300 && n < 4_194_304, `osd.${i}'s nonce ${n} is a pid`);
      if (i > 0) assert.ok(n > nonces[i - 1]!, "started one after another");
      const o = dump.osds[i]!;
      for (const v of [o.cluster_addrs, o.heartbeat_back_addrs, o.heartbeat_front_addrs]) {
        assert.ok(v.addrvec.every((a) => a.nonce === n), "one messenger nonce per daemon");
      }
    }

    // The manager binds after the OSDs: the next two ports.
    const mgr = JSON.parse((await c.command({ prefix: "mgr dump", format: "json" })).outb) as {
      active_addrs: AddrVec;
      active_addr: string;
    };
    const ports = (v: AddrVec, base: number) =>
      v.addrvec.map((a) => `${a.type}:${a.addr.replace(/:(\d+)$/, (_, p) => `:+${p - base}`)}`);
    assert.deepEqual(ports(mgr.active_addrs, 6800), ports(real.mgr.active_addrs, REAL_BASE));
    const nonce = mgr.active_addrs.addrvec[0]!.nonce;
    assert.equal(mgr.active_addr, `127.0.0.1:6825/${nonce}`);
    assert.ok(nonce > 300 && nonce < 4_194_304 && !nonces.includes(nonce));

    // The metadata names the same addresses as the map.
    const meta = JSON.parse(
      (await c.command({ prefix: "osd metadata", id: 1, format: "json" })).outb,
    );
    const o1 = dump.osds[1]!;
    const vec = (v: AddrVec) =>
      `[${v.addrvec.map((a) => `${a.type}:${a.addr}/${a.nonce}`).join(",")}]`;
    assert.deepEqual(
      [meta.front_addr, meta.back_addr, meta.hb_front_addr, meta.hb_back_addr],
      [
        vec(o1.public_addrs),
        vec(o1.cluster_addrs),
        vec(o1.heartbeat_front_addrs),
        vec(o1.heartbeat_back_addrs),
      ],
    );
    const mon = JSON.parse(
      (await c.command({ prefix: "mon metadata", id: "a", format: "json" })).outb,
    );
    assert.equal(mon.addrs, "[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]");
  } finally {
    await c.stop();
  }
});

Deno.test("more hosts: 127.0.0.1, 127.0.0.2, ... in host order, ports per host; MDSs and mons with them", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 3, osdsPerHost: 2, mds: ["a", "b"], pools: [] },
  });
  try {
    await c.run(10);
    const cluster = c.cluster!;
    const map = clusterGet(cluster, "osd_map") as unknown as { osds: OsdEntry[] };
    assert.deepEqual(
      map.osds.map((o) => o.public_addrs.addrvec[0]!.addr),
      [
        "127.0.0.1:6800",
        "127.0.0.1:6808",
        "127.0.0.2:6800",
        "127.0.0.2:6808",
        "127.0.0.3:6800",
        "127.0.0.3:6808",
      ],
    );
    assert.deepEqual(cluster.mons.ips, ["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
    // Managers x and y on host1 and host2, MDS a and b after them, each after its host's OSDs.
    const fs = clusterGet(cluster, "fs_map") as unknown as {
      filesystems: { mdsmap: { info: Record<string, { name: string; addrs: AddrVec }> } }[];
      standbys: { name: string; addrs: AddrVec }[];
    };
    const mds = [
      ...fs.filesystems.flatMap((f) => Object.values(f.mdsmap.info)),
      ...fs.standbys,
    ].map((d) => [d.name, d.addrs.addrvec.map((a) => a.addr).join(",")]).sort();
    assert.deepEqual(mds, [
      ["a", "127.0.0.1:6818,127.0.0.1:6819"],
      ["b", "127.0.0.2:6818,127.0.0.2:6819"],
    ]);
    assert.deepEqual(cluster.daemons.mgrAddrs("y")?.map((a) => a.addr), [
      "127.0.0.2:6816",
      "127.0.0.2:6817",
    ]);
    const meta = cluster.daemons.metadata("mds.a")!;
    assert.match(meta.addr!, /^\[v2:127\.0\.0\.1:6818\/\d+,v1:127\.0\.0\.1:6819\/\d+\]$/);
  } finally {
    await c.stop();
  }
});
