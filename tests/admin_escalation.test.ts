import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { needsAllCaps } from "../core/commands/escalation.ts";

const rw = { entity: "client.rw", caps: "allow rw" };
const rwx = { entity: "client.rwx", caps: "allow rx, allow w" };
const admin = { entity: "client.admin", caps: "allow *" };

Deno.test("an 'allow rw' entity cannot point mgr_module_path at its own code nor force-enable a module", async () => {
  const c = await startTestCluster();
  try {
    const attempts: [Record<string, unknown>, string][] = [
      [{ prefix: "config set", who: "mgr", name: "mgr_module_path", value: "/tmp/evil" }, ""],
      [{ prefix: "config set", who: "global", name: "mgr module path", value: "/tmp/evil" }, ""],
      [{ prefix: "config set", who: "mgr.x", name: "mgr-module-path", value: "/tmp/evil" }, ""],
      [{ prefix: "config rm", who: "mgr", name: "mgr_module_path" }, ""],
      [{ prefix: "mgr module enable", module: "evil", force: "--force" }, ""],
    ];
    for (const [cmd, inbuf] of attempts) {
      const r = await c.manager.run(cmd, inbuf, rw);
      assert.equal(r.r, -13, JSON.stringify(cmd));
      assert.match(r.outs, /^access denied: .* needs mgr caps 'allow \*'$/);
    }
    const config = c.mon.handleCommand({ prefix: "config dump", format: "json" });
    assert.doesNotMatch(config.outb, /mgr_module_path/);
    assert.doesNotMatch(c.mon.handleCommand({ prefix: "mgr module ls" }).outb, /evil/);
    // What the perm allows stays allowed.
    const ok = await c.manager.run(
      { prefix: "config set", who: "mgr", name: "debug_mgr", value: "5/5" },
      "",
      rw,
    );
    assert.equal(ok.r, 0, ok.outs);
    // All letters (whatever the spelling) are `allow *`.
    const full = await c.manager.run(
      { prefix: "config set", who: "mgr", name: "mgr_module_path", value: "/nonexistent" },
      "",
      rwx,
    );
    assert.equal(full.r, 0, full.outs);
    const byAdmin = await c.manager.run(
      { prefix: "config rm", who: "mgr", name: "mgr_module_path" },
      "",
      admin,
    );
    assert.equal(byAdmin.r, 0, byAdmin.outs);
  } finally {
    await c.stop();
  }
});

Deno.test("commands that show keys need 'allow *'; ordinary ones need only their perm", () => {
  for (const prefix of ["auth get", "auth get-key", "auth print-key", "auth ls", "auth export"]) {
    assert.ok(needsAllCaps({ prefix, entity: "client.admin" }, ""), prefix);
  }
  assert.ok(needsAllCaps({ prefix: "auth get-or-create", entity: "client.x" }, ""));
  assert.ok(
    needsAllCaps({ prefix: "config assimilate-conf" }, "[mgr]\n  mgr module path = /tmp/evil\n"),
  );
  for (
    const cmd of [
      { prefix: "config set", who: "mgr", name: "debug_mgr", value: "5" },
      { prefix: "mgr module enable", module: "hello" },
      { prefix: "config assimilate-conf" },
      { prefix: "status" },
    ]
  ) {
    assert.equal(needsAllCaps(cmd, "[global]\n debug_mgr = 5\n"), undefined, JSON.stringify(cmd));
  }
});
