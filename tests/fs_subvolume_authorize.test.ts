/**
 * The volumes module's auth-ID commands answer as a real 16.2.15 ceph-mgr did
 * (tests/ceph-reference/cli/commands/fs_authorize/, made by tools/capture-authorize.sh in this
 * order): `fs subvolume authorize` (r and rw, a tenant's key, an auth ID of another tenant, an
 * existing one with and without `--allow_existing_id`, a switch from rw to r, a namespace
 * isolated subvolume's `namespace=` osd cap), `fs subvolume authorized_list` and `fs subvolume
 * deauthorize`, with their errors; the entities they leave as `mgrd ceph auth get` shows them
 * (on the simulator the manager's keyring is the mon's auth database,
 * core/admin/module_auth_link.ts); and the auth files (`/volumes/$<id>.meta`,
 * `/volumes/_<group>:<name>.meta`) byte for byte but the UUIDs. Keys and UUIDs are compared
 * by shape. `fs subvolume evict` with no session of the ID, and with client.bob's session at
 * the subvolume's path (`session ls` before and after, as the real MDS listed them by their
 * keys and clients): only that session goes. The blocklist entry the real MDS adds for it
 * (38) is not modelled.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { type Ceph, withFsCluster } from "./_fs_oracle.ts";
import { referenceCli } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";
import { Keyring } from "../core/admin/keyring.ts";

const DIR = "commands/fs_authorize";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;
/**
 * A key: Ceph's are CryptoKey encodings (40 base64 characters, `AQ...==`); the manager's
 * keyring makes 32 random bytes (44 characters), so keys are compared as base64 words.
 */
const KEY = /(?<=(?:key = |"key":"|^))[A-Za-z0-9+/]{38,43}=+/gm;
const shape = (text: string) => text.replace(UUID, "UUID").replace(KEY, "KEY");

async function withCluster(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await withFsCluster({
      builtins: { volumes },
      initialModules: ["volumes"],
      mds: ["a"],
      fileSystem: false,
      keyring: await Keyring.open(`${dir}/keyring`),
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
      ],
    }, fn);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function same(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual(
    { rc: got.rc, stdout: shape(got.stdout), stderr: shape(got.stderr) },
    { rc: cap.rc, stdout: shape(cap.stdout), stderr: shape(cap.stderr) },
    name,
  );
}

async function ok(ceph: Ceph, line: string): Promise<void> {
  const got = await ceph(line);
  assert.equal(got.rc, 0, `${line}: ${got.stderr}`);
}

/** A captured auth file (`$ cat PATH`, then its text) against the simulated tree's. */
function sameFile(c: TestCluster, name: string): void {
  const text = Deno.readTextFileSync(
    new URL(`./ceph-reference/cli/${DIR}/${name}.txt`, import.meta.url),
  );
  const nl = text.indexOf("\n");
  const path = text.slice("$ cat ".length, nl);
  const r = c.cluster!.fs.tree!.operate({ op: "read_file", path });
  assert.equal(r.r, 0, `${name}: ${path}`);
  assert.equal(shape(new TextDecoder().decode(r.data)), shape(text.slice(nl + 1, -1)), name);
}

const CAPTURES = [...Deno.readDirSync(new URL(`./ceph-reference/cli/${DIR}/`, import.meta.url))]
  .map((e) => e.name.replace(/\.txt$/, "")).sort();
const FILES = new Set([
  "14_meta_bob",
  "15_meta_sv1",
  "16_meta_sv2",
  "43_meta_bob_left",
  "44_meta_sv1_left",
]);
/** The MDS's sessions around the evict: compared by their keys and their clients. */
const SESSIONS = new Set([31, 32, 34, 37]);

/** A JSON value's keys, recursively (the inode ranges and requests a client has are lists). */
function keys(v: unknown): unknown {
  if (Array.isArray(v)) return "array";
  if (v === null || typeof v !== "object") return typeof v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keys(x)]));
}

/** `session ls` as its sessions' entity IDs and roots. */
function clients(text: string): string[] {
  return (JSON.parse(text) as { client_metadata: { entity_id: string; root: string } }[])
    .map((s) => `${s.client_metadata.entity_id} ${shape(s.client_metadata.root)}`).sort();
}

/**
 * A captured `session ls` against the simulated MDS's: the same keys in a session, and the
 * sessions of client.bob alike (the real cluster's other one is its ceph-mgr's, the
 * simulated file system's two are client.admin mounts of `/`).
 */
async function sameSessions(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.equal(got.rc, cap.rc, `${name}: ${got.stderr}`);
  const real = JSON.parse(cap.stdout), ours = JSON.parse(got.stdout);
  if (ours.length > 0) assert.deepEqual(keys(ours[0]), keys(real[0]), name);
  const bob = (l: string[]) => l.filter((x) => x.startsWith("bob "));
  assert.deepEqual(bob(clients(got.stdout)), bob(clients(cap.stdout)), name);
  // The real one also lists the ceph-mgr's own mount of the volume (entity x at /): the
  // simulator opens no session for a module's mount, so a new volume has none but bob's.
  assert.deepEqual(clients(got.stdout).filter((x) => !x.startsWith("bob ")), [], name);
}

Deno.test("fs subvolume authorize, deauthorize, authorized_list and evict answer as 16.2.15's volumes module", async () => {
  assert.equal(CAPTURES.length, 53);
  await withCluster(async (c, ceph) => {
    await same(ceph, "01_create_volume");
    await c.run(3);
    await ok(ceph, "fs subvolume create vol1 sv1");
    await ok(ceph, "fs subvolumegroup create vol1 g");
    await ok(ceph, "fs subvolume create vol1 sv2 --group_name g");
    await ok(ceph, "fs subvolume create vol1 sv3 --namespace_isolated");
    for (const name of CAPTURES.slice(1)) {
      const n = Number(name.slice(0, 2));
      // The real MDS blocklists what it evicts; the simulated OSD map keeps no blocklist.
      if (n === 38) continue;
      // What the capture did uncaptured: client.bob mounts sv1 (libcephfs, ceph_mount(path)).
      if (n === 31) {
        const path = (await ceph("fs subvolume getpath vol1 sv1")).stdout.trim();
        c.cluster!.fs.byName("vol1")!.sessions.open("bob", path);
      }
      if (SESSIONS.has(n)) {
        await sameSessions(ceph, name);
        continue;
      }
      // What the capture made uncaptured: an entity the module did not create.
      if (n === 21) await ok(ceph, "auth get-or-create client.carol mon 'allow r'");
      if (FILES.has(name)) sameFile(c, name);
      else await same(ceph, name);
    }
  });
});

Deno.test("fs subvolume authorize: an auth file left dirty by an interrupted authorize is recovered first", async () => {
  await withCluster(async (c, ceph) => {
    await ok(ceph, "fs volume create vol1");
    await c.run(3);
    await ok(ceph, "fs subvolume create vol1 sv1");
    await ok(ceph, "fs subvolume create vol1 sv2");
    // An authorize of sv2 that stopped before the subvolume's file had the ID: the partial
    // entry goes (_recover_auth_meta), and the new one is made.
    const tree = c.cluster!.fs.tree!;
    const dirty = '{"dirty": true, "tenant_id": null, "subvolumes": {"None/sv2": ' +
      '{"access_level": "rw", "dirty": true}}, "compat_version": 6, "version": 6}';
    const data = new TextEncoder().encode(dirty);
    assert.equal(
      tree.operate({ op: "write_file", path: "/volumes/$eve.meta", mode: 0o644, data }).r,
      0,
    );
    await ok(ceph, "fs subvolume authorize vol1 sv1 eve --allow_existing_id");
    const r = tree.operate({ op: "read_file", path: "/volumes/$eve.meta" });
    assert.equal(
      new TextDecoder().decode(r.data),
      '{"dirty": false, "tenant_id": null, "subvolumes": {"None/sv1": ' +
        '{"access_level": "rw", "dirty": false}}, "compat_version": 6, "version": 6}',
    );
    assert.deepEqual(JSON.parse((await ceph("fs subvolume authorized_list vol1 sv2")).stdout), []);
  });
});
