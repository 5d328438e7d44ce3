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
 * by shape. The evict captures (29-38) are not replayed: `fs subvolume evict` is not ported.
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
/** evict and the MDS sessions around it. */
const EVICT = (n: number) => n >= 29 && n <= 38;

Deno.test("fs subvolume authorize, deauthorize and authorized_list answer as 16.2.15's volumes module", async () => {
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
      if (EVICT(n)) continue;
      // What the capture made uncaptured: an entity the module did not create.
      if (n === 21) await ok(ceph, "auth get-or-create client.carol mon 'allow r'");
      if (FILES.has(name)) sameFile(c, name);
      else await same(ceph, name);
    }
  });
});
