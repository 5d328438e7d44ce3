import assert from "node:assert/strict";
import { generateKey, Keyring, KeyringError } from "../core/admin/keyring.ts";
import {
  compareEntities,
  entityNameProblem,
  formatKeyring,
  type KeyringEntry,
  parseKeyring,
} from "../ceph/keyring.ts";
import { EINVAL, ENOENT } from "../ceph/errno.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-keyring-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function mode(path: string): number {
  return (Deno.statSync(path).mode ?? 0) & 0o777;
}

Deno.test("Keyring.open() creates the file, mode 0600, with client.admin allow *", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/data/keyring`;
    const keyring = await Keyring.open(path);
    assert.equal(mode(path), 0o600);
    const admin = keyring.get("client.admin");
    assert.ok(admin);
    assert.deepEqual(admin.caps, { mgr: "allow *" });
    assert.equal(atob(admin.key).length, 32);
    const text = await Deno.readTextFile(path);
    assert.equal(text, `[client.admin]\n\tkey = ${admin.key}\n\tcaps mgr = "allow *"\n`);
    assert.deepEqual([...Deno.readDirSync(`${dir}/data`)].map((e) => e.name), ["keyring"]);
  });
});

Deno.test("Keyring round-trips through the file: reopening gives the same entities", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/keyring`;
    const first = await Keyring.open(path);
    const { entry: ro, created } = await first.getOrCreate("client.ro", { mgr: "allow r" });
    assert.equal(created, true);
    await first.getOrCreate("mgr.x", { mgr: "allow *", mon: "allow profile mgr" });
    const second = await Keyring.open(path);
    assert.deepEqual(second.list(), first.list());
    assert.deepEqual(second.get("client.ro"), ro);
    assert.deepEqual(second.list().map((e) => e.entity), ["client.admin", "client.ro", "mgr.x"]);
  });
});

Deno.test("Keyring rewrites atomically: no temporary file left, mode stays 0600", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/keyring`;
    const keyring = await Keyring.open(path);
    const before = Deno.statSync(path).ino;
    await keyring.getOrCreate("client.a", { mgr: "allow r" });
    await keyring.remove("client.a");
    await keyring.setCaps("client.admin", { mgr: "allow *", mon: "allow r" });
    // A new inode each time: the file was replaced by rename, never rewritten in place.
    if (before !== null) assert.notEqual(Deno.statSync(path).ino, before);
    assert.equal(mode(path), 0o600);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["keyring"]);
  });
});

Deno.test("Keyring: concurrent changes are serialised and all land in the file", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/keyring`;
    const keyring = await Keyring.open(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => keyring.getOrCreate(`client.c${i}`, {})),
    );
    const reopened = await Keyring.open(path);
    assert.equal(reopened.list().length, 21);
  });
});

Deno.test("Keyring: a failed write changes nothing in memory and leaves no temporary file", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/keyring`;
    const keyring = await Keyring.open(path);
    // A non-empty directory where the file was: rename fails, even for root.
    await Deno.remove(path);
    await Deno.mkdir(`${path}/blocker`, { recursive: true });
    await assert.rejects(keyring.getOrCreate("client.a", { mgr: "allow r" }));
    assert.equal(keyring.get("client.a"), undefined);
    assert.equal(await keyring.remove("client.nobody"), false);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["keyring"]);
    // The queue is not wedged: once the path is usable again, writes go through.
    await Deno.remove(path, { recursive: true });
    await keyring.getOrCreate("client.b", {});
    assert.deepEqual((await Keyring.open(path)).list().map((e) => e.entity), [
      "client.admin",
      "client.b",
    ]);
  });
});

Deno.test("Keyring.open() tightens a looser mode to 0600", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/keyring`;
    await Keyring.open(path);
    await Deno.chmod(path, 0o644);
    await Keyring.open(path);
    assert.equal(mode(path), 0o600);
  });
});

Deno.test("Keyring.open() refuses a malformed file, naming the line", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/keyring`;
    await Deno.writeTextFile(path, "[client.admin]\n\tkey = AAAA\n\tbogus = 1\n");
    await assert.rejects(
      Keyring.open(path),
      /keyring:3: error setting modifier for \[client.admin\] type=bogus val=1/,
    );
  });
});

Deno.test("authenticate() finds the entity by its key and nothing else", async () => {
  await withDir(async (dir) => {
    const keyring = await Keyring.open(`${dir}/keyring`);
    const { entry } = await keyring.getOrCreate("client.ro", { mgr: "allow r" });
    assert.equal(keyring.authenticate(entry.key)?.entity, "client.ro");
    assert.equal(keyring.authenticate(keyring.get("client.admin")!.key)?.entity, "client.admin");
    assert.equal(keyring.authenticate(""), undefined);
    assert.equal(keyring.authenticate(entry.key.slice(0, -1)), undefined);
    assert.equal(keyring.authenticate(entry.key + "A"), undefined);
    assert.equal(keyring.authenticate(generateKey()), undefined);
    assert.equal(keyring.authenticate("x".repeat(100_000)), undefined);
  });
});

Deno.test("getOrCreate() returns an existing entity when the given caps match", async (t) => {
  await withDir(async (dir) => {
    const keyring = await Keyring.open(`${dir}/keyring`);
    const a = await keyring.getOrCreate("client.a", { mgr: "allow r", mon: "allow r" });
    await t.step("same caps, or a subset of them: the same key", async () => {
      const b = await keyring.getOrCreate("client.a", { mgr: "allow r" });
      assert.equal(b.created, false);
      assert.equal(b.entry.key, a.entry.key);
      assert.equal((await keyring.getOrCreate("client.a", {})).entry.key, a.entry.key);
    });
    await t.step("a differing cap: EINVAL with Ceph's message", async () => {
      await assert.rejects(
        keyring.getOrCreate("client.a", { mgr: "allow rw" }),
        (e: unknown) =>
          e instanceof KeyringError && e.errno === EINVAL &&
          e.message === "key for client.a exists but cap mgr does not match",
      );
    });
  });
});

Deno.test("getOrCreate() validates entity names and caps", async () => {
  await withDir(async (dir) => {
    const keyring = await Keyring.open(`${dir}/keyring`);
    const einval = (re: RegExp) => (e: unknown) =>
      e instanceof KeyringError && e.errno === EINVAL && re.test(e.message);
    await assert.rejects(keyring.getOrCreate("admin", {}), einval(/<type>.<id>/));
    await assert.rejects(keyring.getOrCreate("bogus.a", {}), einval(/type one of/));
    await assert.rejects(keyring.getOrCreate("client.", {}), einval(/non-empty/));
    await assert.rejects(keyring.getOrCreate("client.a b", {}), einval(/A-Z a-z 0-9/));
    await assert.rejects(keyring.getOrCreate("client.x]", {}), einval(/A-Z a-z 0-9/));
    await assert.rejects(
      keyring.getOrCreate("client.a", { foo: "allow r" }),
      einval(/^unknown cap type 'foo'$/),
    );
    await assert.rejects(
      keyring.getOrCreate("client.a", { mgr: "allow wr" }),
      einval(/mgr capability parse failed/),
    );
    await assert.rejects(
      keyring.getOrCreate("client.a", { mon: "allow r\n[client.evil]" }),
      einval(/control characters/),
    );
    assert.deepEqual(keyring.list().map((e) => e.entity), ["client.admin"]);
  });
});

Deno.test("setCaps() and remove() report missing entities", async () => {
  await withDir(async (dir) => {
    const keyring = await Keyring.open(`${dir}/keyring`);
    await assert.rejects(
      keyring.setCaps("client.nobody", { mgr: "allow r" }),
      (e: unknown) => e instanceof KeyringError && e.errno === ENOENT,
    );
    assert.equal(await keyring.remove("client.nobody"), false);
    await keyring.getOrCreate("client.a", { mgr: "allow r" });
    assert.equal(await keyring.remove("client.a"), true);
    assert.equal(keyring.get("client.a"), undefined);
  });
});

Deno.test("parseKeyring() reads Ceph keyrings and what formatKeyring() writes", () => {
  const ceph = [
    "# written by ceph-authtool",
    "[global]",
    "\tsomething = ignored",
    "[client.admin]",
    "\tkey = AQBvZ1ZlAAAAABAAy8Rr0P3sH0xg2h5G2tYwHg==",
    "\tauid = 0",
    '\tcaps mds = "allow *"',
    '\tcaps_mgr = "allow *" ; a comment',
    "\tcaps mon = allow *",
    "",
  ].join("\n");
  const [admin, ...rest] = parseKeyring(ceph);
  assert.equal(rest.length, 0);
  assert.deepEqual(admin, {
    entity: "client.admin",
    key: "AQBvZ1ZlAAAAABAAy8Rr0P3sH0xg2h5G2tYwHg==",
    caps: { mds: "allow *", mgr: "allow *", mon: "allow *" },
  });
  const entries: KeyringEntry[] = [
    { entity: "mgr.x", key: generateKey(), caps: { mgr: "allow *" } },
    { entity: "client.q", key: generateKey(), caps: { mon: 'allow command "a \\ b"' } },
    { entity: "osd.0", key: generateKey(), caps: {} },
  ];
  const back = parseKeyring(formatKeyring(entries));
  assert.deepEqual(back.map((e) => e.entity), ["osd.0", "client.q", "mgr.x"]);
  assert.deepEqual(
    back.sort((a, b) => a.entity.localeCompare(b.entity)),
    entries.sort((a, b) => a.entity.localeCompare(b.entity)),
  );
});

Deno.test("parseKeyring() names what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["key = AAAA\n", /keyring:1: .* comes before any \[entity\]/],
    ["[client.a]\n", /keyring:1: \[client.a\] has no key/],
    ["[client.a]\nkey = ***\n", /keyring:2: the key of \[client.a\] is not base64/],
    ["[nope]\nkey = AAAA\n", /keyring:1: bad entity name in keyring/],
    ["[client.a]\nkey = AAAA\n[client.a]\nkey = AAAA\n", /keyring:3: .*appears twice/],
    ['[client.a]\nkey = AAAA\ncaps mgr = "allow r\n', /keyring:3: .*no closing/],
    ["[client.a]\nkey = AAAA\ncaps mgr = allow wr\n", /keyring:3: .*parse failed/],
    ["[client.a]\njunk\n", /keyring:2: expected/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseKeyring(text), re, text);
});

Deno.test("entity names and their order follow Ceph", () => {
  assert.equal(entityNameProblem("client.admin"), undefined);
  assert.equal(entityNameProblem("client.osd-lockbox.1234"), undefined);
  assert.equal(entityNameProblem("nodot")?.ceph, true);
  assert.equal(entityNameProblem("bogus.x")?.ceph, true);
  assert.equal(entityNameProblem("client.a b")?.ceph, false);
  const sorted = ["auth.x", "mgr.x", "client.b", "client.a", "osd.1", "mds.a", "mon.a"]
    .sort(compareEntities);
  assert.deepEqual(sorted, ["mon.a", "mds.a", "osd.1", "client.a", "client.b", "mgr.x", "auth.x"]);
});
