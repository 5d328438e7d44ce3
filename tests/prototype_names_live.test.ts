/**
 * Names that are also properties of every JavaScript object (`constructor`, `toString`,
 * `__proto__`...) given as every argument of every command a live daemon serves: Ceph keeps
 * them as plain names, so must mgrd — no throw, no lookup that finds Object.prototype's, and no
 * write that lands on a builtin of the process. The expected answers are those of a real
 * Ceph 16.2.15 mon (captured on tools/dev-cluster.sh, 2026-12-03).
 */
import assert from "node:assert/strict";
import { resolveTarget } from "../core/client/daemon_client.ts";
import type { CommandDescription } from "../core/commands/descriptions.ts";
import { fuzzSkip } from "./_fuzz_commands.ts";
import { startDaemon } from "./_daemon.ts";

const NAMES = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty"];

function commandWith(desc: CommandDescription, name: string): Record<string, unknown> {
  const words = desc.sig.filter((w): w is string => typeof w === "string" && w !== "--");
  const cmd: Record<string, unknown> = { prefix: words.join(" ") };
  for (const a of desc.sig) {
    if (typeof a === "string") continue;
    const one = a.type === "CephInt" || a.type === "CephFloat"
      ? 1
      : a.type === "CephBool"
      ? false
      : a.type === "CephChoices"
      ? (a.strings ?? "").split("|")[0]
      : name;
    cmd[a.name!] = a.n !== undefined ? [one] : one;
  }
  return cmd;
}

Deno.test("prototype names as arguments of every command, and odd pool names: no throw, and Ceph's answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-proto-" });
  const daemon = await startDaemon(dir, "--initial-modules", "hello iostat crash balancer");
  try {
    const target = await resolveTarget({ dataDir: dir, entity: "client.admin" });
    const headers = { authorization: `Bearer ${target.key}` };
    const send = async (cmd: Record<string, unknown>) => {
      const res = await fetch(`${target.url}/api/v1/command`, {
        method: "POST",
        headers,
        body: JSON.stringify(cmd),
      });
      assert.ok(res.status < 500, `HTTP ${res.status} for ${JSON.stringify(cmd)}`);
      const body = await res.json();
      return { r: body.retval as number, out: String(body.stdout), outs: String(body.stderr) };
    };
    const expect = async (cmd: Record<string, unknown>, r: number, outs: string, out = "") => {
      const got = await send(cmd);
      assert.deepEqual(got, { r, out, outs }, JSON.stringify(cmd));
    };

    // The application keys of a pool, as 16.2.15 answers them.
    await expect(
      { prefix: "osd pool create", pool: "constructor" },
      0,
      "pool 'constructor' created",
    );
    await expect(
      {
        prefix: "osd pool application enable",
        pool: "constructor",
        app: "constructor",
        yes_i_really_mean_it: true,
      },
      0,
      "enabled application 'constructor' on pool 'constructor'",
    );
    await expect(
      {
        prefix: "osd pool application set",
        pool: "constructor",
        app: "constructor",
        key: "__proto__",
        value: "x",
      },
      0,
      "set application 'constructor' key '__proto__' to 'x' on pool 'constructor'",
    );
    await expect(
      { prefix: "osd pool application get", pool: "constructor", format: "json" },
      0,
      "",
      '{"constructor":{"__proto__":"x"}}',
    );
    await expect(
      {
        prefix: "osd pool application get",
        pool: "constructor",
        app: "constructor",
        key: "__proto__",
        format: "json",
      },
      0,
      "",
      "x\n",
    );
    await expect(
      { prefix: "osd pool application get", pool: "constructor", app: "toString", format: "json" },
      -2,
      "pool 'constructor' has no application 'toString'",
    );
    await expect(
      {
        prefix: "osd pool application get",
        pool: "constructor",
        app: "constructor",
        key: "valueOf",
      },
      -2,
      "application 'constructor' on pool 'constructor' does not have key 'valueOf'",
    );
    await expect(
      {
        prefix: "osd pool application set",
        pool: "constructor",
        app: "valueOf",
        key: "x",
        value: "y",
      },
      -2,
      "application 'valueOf' is not enabled on pool 'constructor'",
    );
    await expect(
      { prefix: "osd pool application rm", pool: "constructor", app: "toString", key: "x" },
      -2,
      "application 'toString' is not enabled on pool 'constructor'",
    );
    await expect(
      {
        prefix: "osd pool application rm",
        pool: "constructor",
        app: "constructor",
        key: "constructor",
      },
      0,
      "application 'constructor' on pool 'constructor' does not have key 'constructor'",
    );
    await expect(
      {
        prefix: "osd pool application disable",
        pool: "constructor",
        app: "toString",
        yes_i_really_mean_it: true,
      },
      0,
      "application 'toString' is not enabled on pool 'constructor'",
    );
    await expect(
      { prefix: "osd erasure-code-profile get", name: "constructor" },
      -2,
      "unknown erasure code profile 'constructor'",
    );
    await expect(
      { prefix: "health mute", code: "constructor" },
      -2,
      "health alert constructor is not currently raised",
    );
    await expect({ prefix: "config-key set", key: "__proto__", val: "p" }, 0, "set __proto__");
    await expect({ prefix: "config-key get", key: "__proto__" }, 0, "", "p");
    await expect({ prefix: "config-key get", key: "constructor" }, -2, "");

    // Pool names: 16.2.15 refuses only the empty one; blanks, control characters and lone
    // surrogates (kept as the bytes its JSON parser makes of them) are pool names there.
    await expect({ prefix: "osd pool create", pool: "" }, -22, "(22) Invalid argument");
    for (const pool of [" ", "a\u0001b", "a\u007fb", "a\ud800b"]) {
      await expect({ prefix: "osd pool create", pool }, 0, `pool '${pool}' created`);
    }

    // Every command, every argument one of those names.
    const descs = Object.values(
      await (await fetch(`${target.url}/api/v1/commands`, { headers })).json(),
    ) as CommandDescription[];
    let sent = 0;
    for (const name of NAMES) {
      for (const desc of descs) {
        const cmd = commandWith(desc, name);
        if (
          fuzzSkip(cmd) ||
          /^(osd pool (rm|delete)|mgr module (enable|disable))$/.test(String(cmd.prefix))
        ) {
          continue;
        }
        const got = await send(cmd);
        sent++;
        assert.equal(typeof got.r, "number", JSON.stringify(cmd));
        // The endpoint's answer when the manager itself threw.
        assert.ok(!got.outs.startsWith("command failed: "), `${JSON.stringify(cmd)}: ${got.outs}`);
      }
    }
    console.log(`prototype names: ${sent} commands`);

    // Nothing landed on a builtin: the lookups still find nothing.
    await expect(
      { prefix: "osd erasure-code-profile get", name: "toString" },
      -2,
      "unknown erasure code profile 'toString'",
    );
    await expect(
      { prefix: "osd pool application get", pool: "constructor", app: "hasOwnProperty" },
      -2,
      "pool 'constructor' has no application 'hasOwnProperty'",
    );
    const log = Deno.readTextFileSync(`${dir}/log/mgrd.x.log`);
    const uncaught = log.split("\n").filter((l) =>
      /raised by no module|the daemon carries on|an event failed/.test(l)
    );
    assert.deepEqual(uncaught, []);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    await Deno.remove(dir, { recursive: true });
  }
});
