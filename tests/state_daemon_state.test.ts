/**
 * The daemon index against the captures of a real Ceph 16.2 manager: get_metadata,
 * get_daemon_status, get_server, list_servers and osd_metadata, and the gaps a cluster shows
 * (no metadata, metadata for an OSD not in the map, metadata without a hostname).
 */
import assert from "node:assert/strict";
import { referenceGet } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import { DaemonIndex } from "../core/state/daemon_state.ts";
import { SnapshotCache } from "../core/state/snapshot_cache.ts";

type Meta = Record<string, string>;

/** The captured cluster: mon.a, mgr.x and osd.0-2 on host "vm", fed in a shuffled order. */
function capturedIndex(): DaemonIndex {
  const index = new DaemonIndex();
  const osds = referenceGet("get_osd_metadata.json").value as Record<string, Meta>;
  index.setMetadata("osd.2", osds["2"]!);
  index.setMetadata("mgr.x", referenceGet("get_metadata_mgr_self.json").value as Meta);
  index.setMetadata("osd.0", osds["0"]!);
  index.setMetadata("mon.a", referenceGet("get_metadata_mon_a.json").value as Meta);
  index.setMetadata("osd.1", osds["1"]!);
  return index;
}

Deno.test("get_metadata answers the captured metadata, hostname first, keys sorted", () => {
  const index = capturedIndex();
  for (
    const [type, id, file] of [
      ["osd", "0", "get_metadata_osd_0.json"],
      ["mon", "a", "get_metadata_mon_a.json"],
      ["mgr", "x", "get_metadata_mgr_self.json"],
    ] as const
  ) {
    const got = index.get_metadata(type, id);
    const ref = referenceGet(file).value;
    assert.deepEqual(shapeDiff(got, ref), []);
    assert.equal(JSON.stringify(got), JSON.stringify(ref));
  }
});

Deno.test("get_metadata of an unknown daemon answers null or the given default", () => {
  const index = capturedIndex();
  assert.equal(index.get_metadata("osd", "999"), referenceGet("get_metadata_osd_999.json").value);
  assert.deepEqual(index.get_metadata("osd", "999", {}), {});
  assert.equal(index.get_metadata("rgw", "x", "none"), "none");
  assert.equal(index.get_metadata("osd", 1 as unknown as string)?.hostname, "vm");
});

Deno.test("metadata without a hostname answers hostname '' and lists under host ''", () => {
  const index = capturedIndex();
  index.setMetadata("osd.7", { ceph_version: "v", weight: 3, up: true, nested: { x: 1 } });
  assert.deepEqual(index.get_metadata("osd", "7"), {
    hostname: "",
    ceph_version: "v",
    up: "true",
    weight: "3",
  });
  assert.deepEqual(index.get_server(""), {
    hostname: "",
    services: [{ type: "osd", id: "7", ceph_version: "v" }],
    ceph_version: "v",
  });
  assert.deepEqual(index.list_servers().map((s) => s.hostname), ["", "vm"]);
});

Deno.test("metadata for an OSD that is not in the map is kept and shown", () => {
  // The index does not consult the OSDMap: what a daemon reported is what the API shows.
  const index = capturedIndex();
  index.setMetadata("osd.42", { hostname: "gone-host", ceph_version: "v" });
  assert.equal(index.get_metadata("osd", "42")?.hostname, "gone-host");
  assert.deepEqual(Object.keys(index.metadataByType("osd")), ["0", "1", "2", "42"]);
});

Deno.test("get_daemon_status: {} for a known daemon, null for an unknown one, status when reported", () => {
  const index = capturedIndex();
  assert.deepEqual(
    index.get_daemon_status("osd", "0"),
    referenceGet("get_daemon_status_osd_0.json").value,
  );
  assert.deepEqual(
    index.get_daemon_status("mon", "a"),
    referenceGet("get_daemon_status_mon_a.json").value,
  );
  assert.equal(index.get_daemon_status("osd", "999"), null);
  index.setDaemonStatus("rgw.gw1", { current_sync: "[]", n: 2 });
  assert.deepEqual(index.get_daemon_status("rgw", "gw1"), { current_sync: "[]", n: "2" });
  // Status alone does not make metadata.
  assert.equal(index.get_metadata("rgw", "gw1"), null);
  assert.deepEqual(index.list_servers().map((s) => s.hostname), ["vm"]);
});

Deno.test("get_server and list_servers match the captures, services in Ceph's key order", () => {
  const index = capturedIndex();
  const server = index.get_server("vm");
  const ref = referenceGet("get_server.json").value;
  assert.deepEqual(shapeDiff(server, ref), []);
  assert.equal(JSON.stringify(server), JSON.stringify(ref));
  const list = index.list_servers();
  assert.equal(JSON.stringify(list), JSON.stringify(referenceGet("list_servers.json").value));
  assert.deepEqual(index.serviceDaemons(), ["mgr.x", "mon.a", "osd.0", "osd.1", "osd.2"]);
});

Deno.test("get_server of an unknown host matches the capture", () => {
  const got = capturedIndex().get_server("no-such-host");
  const ref = referenceGet("get_server_unknown.json").value;
  assert.deepEqual(shapeDiff(got, ref), []);
  assert.deepEqual(got, ref);
});

Deno.test("services sort as std::string (osd.10 before osd.2), hosts sort, rgw names shown", () => {
  const index = new DaemonIndex();
  index.setMetadata("osd.2", { hostname: "b", ceph_version: "v2" });
  index.setMetadata("osd.10", { hostname: "b", ceph_version: "v10" });
  index.setMetadata("rgw.gw", { hostname: "a", ceph_version: "v", id: "gw.a" });
  index.setMetadata("mds.z", { hostname: "b" }); // no ceph_version, first on its host: ""
  assert.deepEqual(index.list_servers(), [
    {
      hostname: "a",
      services: [{ type: "rgw", id: "gw", ceph_version: "v", name: "gw.a" }],
      ceph_version: "v",
    },
    {
      hostname: "b",
      services: [
        { type: "mds", id: "z", ceph_version: "" },
        { type: "osd", id: "10", ceph_version: "v10" },
        { type: "osd", id: "2", ceph_version: "v2" },
      ],
      ceph_version: "v2",
    },
  ]);
});

Deno.test("list_servers is one frozen object until a daemon changes", () => {
  const index = capturedIndex();
  const a = index.list_servers();
  assert.equal(index.list_servers(), a);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a[0]!.services[0]));
  index.setMetadata("osd.3", { hostname: "vm2" });
  assert.notEqual(index.list_servers(), a);
  assert.equal(index.list_servers().length, 2);
  assert.ok(index.removeDaemon("osd.3"));
  assert.equal(index.list_servers().length, 1);
  assert.equal(index.removeDaemon("osd.3"), false);
});

Deno.test("get('osd_metadata') through a SnapshotCache matches the capture and is shared", () => {
  const index = capturedIndex();
  const cache = new SnapshotCache();
  for (const s of index.dataSources()) cache.register(s);
  const got = cache.get("osd_metadata");
  const ref = referenceGet("get_osd_metadata.json").value;
  assert.deepEqual(shapeDiff(got, ref, { maps: ["$"] }), []);
  assert.equal(JSON.stringify(got), JSON.stringify(ref));
  assert.deepEqual(cache.get("mds_metadata"), {});
  // A mon changing does not invalidate osd_metadata; an OSD changing does.
  index.setMetadata("mon.b", { hostname: "vm" });
  assert.equal(cache.get("osd_metadata"), got);
  index.removeDaemon("osd.1");
  assert.notEqual(cache.get("osd_metadata"), got);
  assert.deepEqual(Object.keys(cache.get("osd_metadata") as object), ["0", "2"]);
});

Deno.test("no reader throws on an empty index", () => {
  const index = new DaemonIndex();
  assert.equal(index.get_metadata("osd", "0"), null);
  assert.equal(index.get_daemon_status("osd", "0"), null);
  assert.deepEqual(index.list_servers(), []);
  assert.deepEqual(index.get_server("x"), { hostname: "x", services: [], ceph_version: "" });
  assert.deepEqual(index.metadataByType("osd"), {});
  assert.throws(() => index.setMetadata("bad", {}), /<type>\.<id>/);
});

Deno.test("a rebuilt index keeps the service daemon names while the daemons stand", () => {
  const build = (host1: string) => {
    const index = new DaemonIndex();
    index.setMetadata("osd.0", { hostname: "a", ceph_version: "v" });
    index.setMetadata("osd.1", { hostname: host1, ceph_version: "v" });
    return index;
  };
  const first = build("b");
  const names = first.serviceDaemons();
  assert.deepStrictEqual(names, ["osd.0", "osd.1"]);
  // New metadata, same daemons on the same hosts: the frozen list stands.
  const second = build("b");
  second.carryServiceDaemons(first);
  assert.notEqual(second.list_servers(), first.list_servers());
  assert.equal(second.serviceDaemons(), names);
  // osd.1 moved to a host that sorts first: the order changes, so does the list.
  const third = build("0");
  third.carryServiceDaemons(second);
  assert.deepStrictEqual(third.serviceDaemons(), ["osd.1", "osd.0"]);
  assert.notEqual(third.serviceDaemons(), names);
});
