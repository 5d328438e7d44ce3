import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { createAdminApp } from "../core/admin/app.ts";
import { Keyring } from "../core/admin/keyring.ts";
import { AUDIT_MAX_TEXT, auditCommand } from "../core/commands/audit_text.ts";
import { DaemonLog } from "../core/logging.ts";

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of Deno.readDirSync(dir)) total += Deno.statSync(`${dir}/${e.name}`).size;
  return total;
}

Deno.test("a flood of large refused commands grows the log by a bounded amount and never logs a stored value", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-logbound-" });
  const c = await startTestCluster();
  const log = new DaemonLog({ daemonName: "mgr.x", id: "x", dir: `${dir}/log` });
  try {
    const keyring = await Keyring.open(`${dir}/keyring`);
    const none = (await keyring.getOrCreate("client.none", { mon: "allow r" })).entry.key;
    const admin = keyring.get("client.admin")!.key;
    const app = createAdminApp({ service: c.manager, keyring, log: log.daemonLogger() });
    const post = (token: string, cmd: unknown) =>
      app.request("/api/v1/command", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(cmd),
      });
    const before = dirBytes(`${dir}/log`);
    const big = "s3cr3t".repeat(200_000);
    for (let i = 0; i < 8; i++) {
      const res = await post(none, { prefix: "config-key set", key: `k${i}`, val: big });
      assert.equal((await res.json()).retval, -13);
    }
    const grown = dirBytes(`${dir}/log`) - before;
    assert.ok(grown <= 8 * (AUDIT_MAX_TEXT + 512), `the log grew by ${grown} bytes`);
    // An admin's write is committed but its value is not in the audit either.
    const ok = await post(admin, { prefix: "config-key set", key: "mgr/x/crt", val: "s3cr3t" });
    assert.equal((await ok.json()).retval, 0);
    const text = Deno.readTextFileSync(`${dir}/log/mgrd.x.log`);
    assert.doesNotMatch(text, /s3cr3t/);
    assert.match(text, /<6 bytes, not logged>/);
    const clog = c.mon.handleCommand({ prefix: "log last", num: 50, channel: "audit" }).outb;
    assert.doesNotMatch(clog, /s3cr3t/, clog.slice(0, 2000));
  } finally {
    log.close();
    await c.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log files rotate past their size and reopen after an outside rename (SIGHUP)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-logrotate-" });
  const log = new DaemonLog({
    daemonName: "mgr.x",
    id: "x",
    dir,
    maxFileBytes: 16 * 1024,
    maxFiles: 2,
  });
  try {
    const logger = log.daemonLogger();
    for (let i = 0; i < 2000; i++) logger.info(`line ${i} ${"x".repeat(80)}`);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["mgrd.x.log", "mgrd.x.log.1", "mgrd.x.log.2"]);
    for (const f of files) assert.ok(Deno.statSync(`${dir}/${f}`).size <= 16 * 1024, f);
    assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700);
    Deno.renameSync(`${dir}/mgrd.x.log`, `${dir}/moved.log`);
    log.reopen();
    logger.info("after reopen");
    assert.match(Deno.readTextFileSync(`${dir}/mgrd.x.log`), /after reopen/);
    assert.doesNotMatch(Deno.readTextFileSync(`${dir}/moved.log`), /after reopen/);
  } finally {
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auditCommand() takes any prefix, Object.prototype's names included", () => {
  for (const prefix of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    assert.equal(auditCommand({ prefix }).prefix, prefix);
  }
});
