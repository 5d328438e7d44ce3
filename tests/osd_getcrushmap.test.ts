/**
 * `osd getcrushmap` answers Ceph's binary CRUSH map: the encoding is byte for byte what a real
 * 16.2.15 mon sent for the same map (tests/ceph-reference/cli/commands/osd_getcrushmap*.bin,
 * next to `osd crush dump -f json` of that map), Debian's `crushtool -d` decompiles the
 * simulated mon's map to the text of `get('osd_crush_map_text')`, and `mgrd ceph osd
 * getcrushmap -o <file>` writes the bytes unchanged, with the CRUSH version on stderr as the
 * real mon says it.
 */
import assert from "node:assert/strict";
import { createAdminApp } from "../core/admin/app.ts";
import { Keyring } from "../core/admin/keyring.ts";
import { cephMain } from "../core/client/ceph_cli.ts";
import { startTestCluster } from "mgr_module/testing";
import { encodeCrushMap } from "../sim/cluster/crush_binary.ts";
import { type CrushDump, decompileCrushMap } from "../sim/cluster/crush_text.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import { OsdMap } from "../sim/cluster/osd_map.ts";
import { dumpOsdMapCrush } from "../sim/cluster/osd_map_dump.ts";
import type { ClusterSpec, SimCluster } from "../sim/cluster/cluster.ts";
import { CrushHistory } from "../sim/cluster/crush_history.ts";
import { Rng } from "../sim/engine/prng.ts";
import { referenceCli, referenceText } from "./_reference.ts";

const REF = new URL("./ceph-reference/cli/commands/", import.meta.url);

/** A captured `osd crush dump -f json`: its JSON, after the blank line the CLI printed. */
function capturedDump(name: string): CrushDump {
  return JSON.parse(referenceCli(`commands/${name}`).stdout) as CrushDump;
}

async function haveCrushtool(): Promise<boolean> {
  try {
    return (await new Deno.Command("crushtool", {
      args: ["--help"],
      stdout: "null",
      stderr: "null",
    })
      .output()).code !== 127;
  } catch {
    return false;
  }
}
const CRUSHTOOL = await haveCrushtool();
if (!CRUSHTOOL) {
  console.warn(
    "osd_getcrushmap.test.ts: crushtool not found (Debian's ceph-base); the crushtool -d tests are IGNORED",
  );
}

/** `crushtool -d` of `bytes`: the text it printed. */
async function crushtoolDecompile(bytes: Uint8Array): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-crushmap-" });
  try {
    await Deno.writeFile(`${dir}/map.bin`, bytes);
    const out = await new Deno.Command("crushtool", {
      args: ["-d", `${dir}/map.bin`, "-o", `${dir}/map.txt`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, `crushtool -d failed: ${new TextDecoder().decode(out.stderr)}`);
    return await Deno.readTextFile(`${dir}/map.txt`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the encoding is byte for byte what a 16.2.15 mon sent for the same CRUSH map", () => {
  for (
    const [dump, bin] of [
      ["osd_crush_dump_json.txt", "osd_getcrushmap.bin"],
      // Racks, classes hdd and ssd (shadow trees of both) and a rule that takes `default class ssd`.
      ["osd_getcrushmap_rack_ssd_crush_dump_json.txt", "osd_getcrushmap_rack_ssd.bin"],
    ] as [string, string][]
  ) {
    const real = Deno.readFileSync(new URL(bin, REF));
    assert.deepEqual(encodeCrushMap(capturedDump(dump)), real, bin);
  }
});

Deno.test("get('osd_crush_map_text')'s decompiler prints what crushtool -d printed for the real maps", () => {
  for (
    const [dump, text] of [
      ["osd_crush_dump_json.txt", "osd_getcrushmap_decompiled.txt"],
      ["osd_getcrushmap_rack_ssd_crush_dump_json.txt", "osd_getcrushmap_rack_ssd_decompiled.txt"],
    ] as [string, string][]
  ) {
    assert.equal(decompileCrushMap(capturedDump(dump)), referenceText(`cli/commands/${text}`));
  }
});

/** Runs `mgrd ceph <words>` against `spec`'s test cluster through the real admin endpoint. */
async function withCli(
  spec: ClusterSpec,
  fn: (
    ceph: (...words: string[]) => Promise<{ rc: number; stdout: Uint8Array; stderr: string }>,
    text: () => string,
    crushVersion: () => number,
    dir: string,
    cluster: SimCluster,
  ) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({ cluster: spec });
  const dir = await Deno.makeTempDir({ prefix: "mgrd-getcrushmap-" });
  try {
    await c.run(5);
    const keyring = await Keyring.open(`${dir}/keyring`);
    await Deno.writeTextFile(`${dir}/mgrd.x.url`, "http://127.0.0.1:7000\n");
    const app = createAdminApp({ service: c.manager, keyring, log: c.log.daemonLogger() });
    const fetchApp = (input: string, init: RequestInit) =>
      app.request(input.replace("http://127.0.0.1:7000", ""), init);
    const ceph = async (...words: string[]) => {
      const out: Uint8Array[] = [];
      let stderr = "";
      const rc = await cephMain(["--data-dir", dir, ...words], {
        stdout: { write: (p) => (out.push(p.slice()), Promise.resolve(p.length)) },
        stderr: {
          write: (p) => (stderr += new TextDecoder().decode(p), Promise.resolve(p.length)),
        },
        fetch: fetchApp as typeof fetch,
      });
      const stdout = new Uint8Array(out.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of out) stdout.set(p, (at += p.length) - p.length);
      return { rc, stdout, stderr };
    };
    const cluster = c.cluster!;
    await fn(
      ceph,
      () => clusterGet(cluster, "osd_crush_map_text") as string,
      () => cluster.map.crush.version,
      dir,
      cluster,
    );
  } finally {
    await c.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mgrd ceph osd getcrushmap -o writes the encoded map, the CRUSH version on stderr", async () => {
  await withCli(
    { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8 }] },
    async (ceph, _text, crushVersion, dir) => {
      const expected = encodeCrushMap(
        JSON.parse(
          new TextDecoder().decode((await ceph("osd", "crush", "dump", "-f", "json")).stdout),
        ),
      );
      const r = await ceph("osd", "getcrushmap", "-o", `${dir}/map.bin`);
      assert.deepEqual([r.rc, r.stdout.length, r.stderr], [0, 0, `${crushVersion()}\n`]);
      const file = await Deno.readFile(`${dir}/map.bin`);
      assert.deepEqual(file, expected, "the file holds the bytes the mon encoded");
      assert.ok(file.includes(0xff), "the bytes are not text (bucket ids are negative)");

      // Without -o the bytes go to stdout; -f json puts ceph.in's blank line first.
      assert.deepEqual((await ceph("osd", "getcrushmap")).stdout, expected);
      const json = await ceph("osd", "getcrushmap", "-f", "json");
      assert.deepEqual(json.stdout, new Uint8Array([0x0a, ...expected]));

      const epoch = JSON.parse(
        new TextDecoder().decode((await ceph("osd", "dump", "-f", "json")).stdout),
      ).epoch as number;
      assert.deepEqual((await ceph("osd", "getcrushmap", String(epoch))).stdout, expected);
    },
  );
});

Deno.test("bad epochs are answered as the real ceph answered them", async () => {
  await withCli({ hosts: 1, osdsPerHost: 3, pools: [] }, async (ceph) => {
    for (const name of ["negative", "missing", "not_a_number"]) {
      const cap = referenceCli(`commands/osd_getcrushmap_${name}.txt`);
      const r = await ceph(...cap.command.replace(/^ceph /, "").split(" "));
      assert.deepEqual([r.rc, r.stdout.length, r.stderr], [cap.rc, 0, cap.stderr], name);
    }
  });
});

for (
  const [label, spec] of [
    ["3 hosts", { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 16 }] }],
    ["racks, ssd, rack failure domain", {
      racks: 3,
      hosts: 6,
      osdsPerHost: 2,
      deviceClass: "ssd",
      osdCrushWeight: 0.5,
      failureDomain: "rack",
      pools: [{ name: "rbd", pgNum: 16 }],
    }],
  ] as [string, ClusterSpec][]
) {
  Deno.test({
    name: `crushtool -d decompiles the simulated mon's map to get('osd_crush_map_text'): ${label}`,
    ignore: !CRUSHTOOL,
    async fn() {
      await withCli(spec, async (ceph, text, _v, dir) => {
        const r = await ceph("osd", "getcrushmap", "-o", `${dir}/map.bin`);
        assert.equal(r.rc, 0, r.stderr);
        assert.equal(await crushtoolDecompile(await Deno.readFile(`${dir}/map.bin`)), text());
      });
    },
  });
}

Deno.test({
  name: "crushtool -d decompiles a map of two device classes to what decompileCrushMap prints",
  ignore: !CRUSHTOOL,
  async fn() {
    // Hosts under racks with hdd and ssd OSDs mixed: a shadow tree per class.
    const map = new OsdMap({ now: () => 1_700_000_000, ids: new Rng(7).stream("identity") });
    const crush = map.crush;
    let osd = 0;
    for (let r = 1; r <= 2; r++) {
      const rack = crush.addBucket(`rack${r}`, "rack", crush.rootId);
      for (let h = 1; h <= 2; h++) {
        const host = crush.addBucket(`r${r}h${h}`, "host", rack);
        for (let i = 0; i < 3; i++, osd++) {
          map.addOsd(osd, host, 0.25 + osd / 8, i === 2 ? "ssd" : "hdd");
        }
      }
    }
    const dump = dumpOsdMapCrush(map) as unknown as CrushDump;
    const text = decompileCrushMap(dump);
    assert.match(
      text,
      /\tid -\d+ class hdd\t\t# do not change unnecessarily\n\tid -\d+ class ssd\t/,
    );
    assert.equal(await crushtoolDecompile(encodeCrushMap(dump)), text);
  },
});

const MON12 = "commands/mon12";

/** The epoch `osd dump -f json` names. */
async function osdEpoch(
  ceph: (...words: string[]) => Promise<{ rc: number; stdout: Uint8Array }>,
): Promise<number> {
  const r = await ceph("osd", "dump", "-f", "json");
  return JSON.parse(new TextDecoder().decode(r.stdout)).epoch as number;
}

Deno.test("osd getcrushmap <older epoch> answers the map and CRUSH version of that epoch, as the real mon did", async () => {
  // The real mon: `osd getcrushmap 13` before and after `osd crush add-bucket rack1 rack` gave
  // the same bytes with "7" on stderr, the current map "8"; epoch 0 and one not reached yet are
  // ENOENT "there is no map for epoch N".
  const real = {
    before: Deno.readFileSync(new URL("mon12/osd_getcrushmap_e_before.bin", REF)),
    older: Deno.readFileSync(new URL("mon12/osd_getcrushmap_older_epoch.bin", REF)),
    olderCap: referenceCli(`${MON12}/osd_getcrushmap_older_epoch.txt`),
    afterCap: referenceCli(`${MON12}/osd_getcrushmap_after.txt`),
  };
  assert.deepEqual(real.older, real.before);
  assert.deepEqual(
    [real.olderCap.rc, real.olderCap.stderr, real.afterCap.stderr],
    [0, "7\n", "8\n"],
  );
  await withCli(
    { hosts: 2, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8 }] },
    async (ceph, text, crushVersion, dir, cluster) => {
      const e1 = await osdEpoch(ceph);
      const v1 = crushVersion();
      const text1 = text();
      const before = (await ceph("osd", "getcrushmap")).stdout;
      assert.equal((await ceph("osd", "set", "noout")).rc, 0);
      const flagEpoch = await osdEpoch(ceph);
      cluster.addHost("host9", 0);
      const e2 = await osdEpoch(ceph);
      assert.ok(e2 > e1 && crushVersion() > v1, "a new bucket: a new epoch and CRUSH version");
      const now = await ceph("osd", "getcrushmap");
      assert.notDeepEqual(now.stdout, before);
      assert.equal(now.stderr, `${crushVersion()}\n`);
      const old = await ceph("osd", "getcrushmap", String(e1), "-o", `${dir}/old.bin`);
      assert.deepEqual([old.rc, old.stderr], [0, `${v1}\n`]);
      const oldBytes = await Deno.readFile(`${dir}/old.bin`);
      assert.deepEqual(oldBytes, before, "the older epoch's map as it was then");
      if (CRUSHTOOL) assert.equal(await crushtoolDecompile(oldBytes), text1);
      // An epoch that left the CRUSH map alone shares the encoding of the one before.
      assert.ok(flagEpoch > e1);
      const h = cluster.crushHistory;
      assert.equal(h.at(flagEpoch)?.bytes, h.at(e1)?.bytes);

      for (const [name, epoch] of [["epoch_0", 0], ["future_epoch", e2 + 5]] as const) {
        const cap = referenceCli(`${MON12}/osd_getcrushmap_${name}.txt`);
        const r = await ceph("osd", "getcrushmap", String(epoch));
        assert.deepEqual(
          [r.rc, r.stdout.length, r.stderr],
          [cap.rc, 0, cap.stderr.replace(/epoch \d+/, `epoch ${epoch}`)],
          name,
        );
      }
    },
  );
});

Deno.test("the kept epochs trim as the mon trims (mon_min_osdmap_epochs 500, steps of 250) and share one encoding per CRUSH version", () => {
  const map = new OsdMap({ now: () => 1_700_000_000, ids: new Rng(3).stream("identity") });
  const h = new CrushHistory(map);
  const host = map.crush.addBucket("h", "host", map.crush.rootId);
  map.addOsd(0, host, 1);
  const changedAt = map.epoch;
  for (let i = 0; i < 748; i++) map.touch();
  assert.deepEqual([h.first, h.last], [1, 750], "500 behind the newest and 249 more: no trim yet");
  assert.ok(h.at(1) !== undefined && h.at(changedAt) !== undefined);
  assert.equal(h.encodings, 2, "epoch 1's map, made before the OSD was added, and the current");
  map.touch();
  assert.deepEqual([h.first, h.last], [251, 751], "250 trimmed: 500 behind the newest left");
  assert.equal(h.at(250), undefined);
  assert.equal(h.at(251)?.version, map.crush.version);
  assert.equal(h.encodings, 1, "the encoding no kept epoch names is dropped");
  assert.equal(h.at(400)?.bytes, h.at(751)?.bytes);
  map.crush.addBucket("h2", "host", map.crush.rootId);
  map.touch();
  assert.equal(h.encodings, 1, "the older version's encoding is kept, the new one not made yet");
  assert.notDeepEqual(h.at(751)?.bytes, h.at(752)?.bytes);
  assert.equal(h.encodings, 2);
  assert.throws(() => new CrushHistory(map, { minEpochs: 0 }), RangeError);
});
