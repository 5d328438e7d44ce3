import assert from "node:assert/strict";
import { authCommands } from "../core/admin/auth_commands.ts";
import { Keyring } from "../core/admin/keyring.ts";
import type { MonCommandResult } from "../core/cluster_link.ts";
import { Flag, signatureOf } from "../core/commands/descriptor.ts";
import { validateCommand } from "../core/commands/validate.ts";

const ADMIN = { entity: "client.admin", caps: "allow *" };

/** Runs an auth command the way the manager does: validated against its descriptor first. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-auth-" });
  const keyring = await Keyring.open(`${dir}/keyring`);
  const commands = authCommands(keyring);
  async function run(cmd: Record<string, unknown>): Promise<MonCommandResult> {
    const command = commands.find((c) => c.desc.prefix === cmd.prefix);
    assert.ok(command, `no command ${cmd.prefix}`);
    const checked = validateCommand(command.desc, cmd);
    assert.ok(checked.ok, checked.ok ? "" : checked.error);
    return await command.run(checked.cmd, "", ADMIN);
  }
  const cleanup = () => Deno.remove(dir, { recursive: true });
  return { keyring, commands, run, cleanup };
}

Deno.test("authCommands() declares Ceph's signatures, perms and flags", async () => {
  const { commands, cleanup } = await setup();
  try {
    const shown = commands.map((c) => [signatureOf(c.desc), c.desc.perm, c.desc.flags]);
    assert.deepEqual(shown, [
      [
        "auth get-or-create name=entity,type=CephString name=caps,type=CephString,n=N,req=false",
        "rwx",
        0,
      ],
      ["auth get name=entity,type=CephString", "rx", 0],
      ["auth get-key name=entity,type=CephString", "rx", 0],
      ["auth print-key name=entity,type=CephString", "rx", 0],
      ["auth ls", "rx", 0],
      ["auth list", "rx", Flag.DEPRECATED],
      ["auth caps name=entity,type=CephString name=caps,type=CephString,n=N", "rwx", 0],
      ["auth rm name=entity,type=CephString", "rwx", 0],
      ["auth del name=entity,type=CephString", "rwx", Flag.DEPRECATED],
    ]);
    assert.ok(commands.every((c) => c.desc.module === "auth"));
  } finally {
    await cleanup();
  }
});

Deno.test("auth get-or-create prints the new section; the same call again, the same key", async (t) => {
  const { keyring, run, cleanup } = await setup();
  try {
    const cmd = { prefix: "auth get-or-create", entity: "client.ro", caps: ["mgr", "allow r"] };
    const created = await run(cmd);
    const key = keyring.get("client.ro")?.key;
    assert.ok(key);
    await t.step("plain: Ceph prints the key only, not the caps", () => {
      assert.deepEqual(created, { r: 0, outb: `[client.ro]\n\tkey = ${key}\n`, outs: "" });
    });
    await t.step("again with the same caps: the existing key", async () => {
      assert.deepEqual(await run(cmd), created);
    });
    await t.step("json: a list with entity, key and caps", async () => {
      const r = await run({ ...cmd, format: "json" });
      assert.equal(r.r, 0);
      assert.equal(
        r.outb,
        JSON.stringify([{ entity: "client.ro", key, caps: { mgr: "allow r" } }]),
      );
      const pretty = await run({ ...cmd, format: "json-pretty" });
      assert.deepEqual(JSON.parse(pretty.outb), JSON.parse(r.outb));
      assert.match(pretty.outb, /\n {4}\{/);
    });
    await t.step("differing caps: EINVAL, Ceph's message", async () => {
      const r = await run({ ...cmd, caps: ["mgr", "allow rw"] });
      assert.deepEqual(r, {
        r: -22,
        outb: "",
        outs: "key for client.ro exists but cap mgr does not match",
      });
    });
  } finally {
    await cleanup();
  }
});

Deno.test("auth get-or-create refuses bad names and caps with Ceph's messages", async () => {
  const { keyring, run, cleanup } = await setup();
  try {
    const go = (entity: string, caps?: string[]) =>
      run({ prefix: "auth get-or-create", entity, ...(caps ? { caps } : {}) });
    assert.deepEqual(await go("nodot"), { r: -22, outb: "", outs: "bad entity name" });
    assert.deepEqual(await go("bogus.a"), { r: -22, outb: "", outs: "bad entity name" });
    assert.deepEqual(await go("client.a", ["mgr"]), {
      r: -22,
      outb: "",
      outs: "bad capabilities request; odd number of arguments",
    });
    assert.deepEqual(await go("client.a", ["foo", "allow r"]), {
      r: -22,
      outb: "",
      outs: "unknown cap type 'foo'",
    });
    assert.deepEqual(await go("client.a", ["mgr", "allow wr"]), {
      r: -22,
      outb: "",
      outs: "mgr capability parse failed, stopped at 'r' of 'allow wr'",
    });
    const spaced = await go("client.a b", ["mgr", "allow r"]);
    assert.equal(spaced.r, -22);
    assert.match(spaced.outs, /A-Z a-z 0-9/);
    assert.deepEqual(keyring.list().map((e) => e.entity), ["client.admin"]);
  } finally {
    await cleanup();
  }
});

Deno.test("auth get prints the section with caps; a missing entity is ENOENT", async () => {
  const { keyring, run, cleanup } = await setup();
  try {
    await run({
      prefix: "auth get-or-create",
      entity: "client.q",
      caps: ["mon", 'allow command "x"', "mgr", "allow r"],
    });
    const key = keyring.get("client.q")?.key;
    assert.deepEqual(await run({ prefix: "auth get", entity: "client.q" }), {
      r: 0,
      outb:
        `[client.q]\n\tkey = ${key}\n\tcaps mgr = "allow r"\n\tcaps mon = "allow command \\"x\\""\n`,
      outs: "exported keyring for client.q",
    });
    const json = await run({ prefix: "auth get", entity: "client.q", format: "json" });
    assert.deepEqual(JSON.parse(json.outb), [
      { entity: "client.q", key, caps: { mgr: "allow r", mon: 'allow command "x"' } },
    ]);
    assert.deepEqual(await run({ prefix: "auth get", entity: "client.nobody" }), {
      r: -2,
      outb: "",
      outs: "failed to find client.nobody in keyring",
    });
    assert.deepEqual(await run({ prefix: "auth get", entity: "nodot" }), {
      r: -22,
      outb: "",
      outs: "invalid entity_auth nodot",
    });
  } finally {
    await cleanup();
  }
});

Deno.test("auth get-key and print-key print the bare key", async () => {
  const { keyring, run, cleanup } = await setup();
  try {
    const key = keyring.get("client.admin")?.key;
    for (const prefix of ["auth get-key", "auth print-key"]) {
      assert.deepEqual(await run({ prefix, entity: "client.admin" }), {
        r: 0,
        outb: key,
        outs: "",
      });
      const json = await run({ prefix, entity: "client.admin", format: "json" });
      assert.deepEqual(JSON.parse(json.outb), { key });
      assert.deepEqual(await run({ prefix, entity: "client.x" }), {
        r: -2,
        outb: "",
        outs: "don't have client.x",
      });
    }
  } finally {
    await cleanup();
  }
});

Deno.test("auth ls lists every entity in Ceph's order, plain and json", async () => {
  const { keyring, run, cleanup } = await setup();
  try {
    await run({ prefix: "auth get-or-create", entity: "mgr.x", caps: ["mgr", "allow *"] });
    await run({ prefix: "auth get-or-create", entity: "client.ro", caps: ["mgr", "allow r"] });
    const k = (e: string) => keyring.get(e)?.key;
    const plain = await run({ prefix: "auth ls" });
    assert.deepEqual(plain, {
      r: 0,
      outb: `client.admin\n\tkey: ${k("client.admin")}\n\tcaps: [mgr] allow *\n` +
        `client.ro\n\tkey: ${k("client.ro")}\n\tcaps: [mgr] allow r\n` +
        `mgr.x\n\tkey: ${k("mgr.x")}\n\tcaps: [mgr] allow *\n`,
      outs: "installed auth entries:\n",
    });
    assert.deepEqual(await run({ prefix: "auth list" }), plain);
    const json = await run({ prefix: "auth ls", format: "json" });
    assert.deepEqual(JSON.parse(json.outb), {
      auth_dump: [
        { entity: "client.admin", key: k("client.admin"), caps: { mgr: "allow *" } },
        { entity: "client.ro", key: k("client.ro"), caps: { mgr: "allow r" } },
        { entity: "mgr.x", key: k("mgr.x"), caps: { mgr: "allow *" } },
      ],
    });
    for (const e of ["client.admin", "client.ro", "mgr.x"]) await keyring.remove(e);
    assert.deepEqual(await run({ prefix: "auth ls" }), {
      r: 0,
      outb: "",
      outs: "no installed auth entries!\n",
    });
    assert.equal((await run({ prefix: "auth ls", format: "json" })).outb, "{}");
  } finally {
    await cleanup();
  }
});

Deno.test("auth caps replaces the caps; auth rm removes, and says so", async () => {
  const { keyring, run, cleanup } = await setup();
  try {
    await run({ prefix: "auth get-or-create", entity: "client.a", caps: ["mgr", "allow r"] });
    assert.deepEqual(
      await run({ prefix: "auth caps", entity: "client.a", caps: ["mgr", "allow rw"] }),
      { r: 0, outb: "", outs: "updated caps for client.a" },
    );
    assert.deepEqual(keyring.get("client.a")?.caps, { mgr: "allow rw" });
    assert.deepEqual(
      await run({ prefix: "auth caps", entity: "client.b", caps: ["mgr", "allow rw"] }),
      { r: -2, outb: "", outs: "couldn't find entry client.b" },
    );
    assert.deepEqual(await run({ prefix: "auth rm", entity: "client.a" }), {
      r: 0,
      outb: "",
      outs: "updated",
    });
    assert.equal(keyring.get("client.a"), undefined);
    assert.deepEqual(await run({ prefix: "auth rm", entity: "client.a" }), {
      r: 0,
      outb: "",
      outs: "entity client.a does not exist",
    });
    assert.deepEqual(await run({ prefix: "auth del", entity: "nodot" }), {
      r: -22,
      outb: "",
      outs: "bad entity name",
    });
  } finally {
    await cleanup();
  }
});
