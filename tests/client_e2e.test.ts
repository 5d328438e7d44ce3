/**
 * End to end: `main.ts serve --port 0` as a process, driven by `main.ts ceph ...` processes
 * that find it through the url file and keyring it wrote to the data directory.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const FLAGS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--allow-sys"];

// A module with a POLL command, written to the data dir's module path at run time.
const TICKER = `import { HandleCommandResult, MgrModule } from "mgr_module";
export class Ticker extends MgrModule {
  static override COMMANDS = [
    { cmd: "ticker rate", desc: "a counter the CLI polls", perm: "r", poll: true },
  ];
  n = 0;
  override handle_command(): HandleCommandResult {
    this.n++;
    return new HandleCommandResult(0, \`tick \${this.n}\`);
  }
}
`;

interface Run {
  rc: number;
  stdout: string;
  stderr: string;
}

async function ceph(dataDir: string, args: string[], stdin?: string): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...FLAGS, MAIN, "ceph", "--data-dir", dataDir, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { rc: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name:
    "mgrd ceph drives a real mgrd serve: module ls, enable, module command, errors, -i, --help, --period",
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "mgrd_client_e2e_" });
    await Deno.mkdir(`${dir}/mods/ticker`, { recursive: true });
    await Deno.writeTextFile(`${dir}/mods/ticker/module.ts`, TICKER);
    const daemon = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...FLAGS,
        MAIN,
        "serve",
        "--data-dir",
        dir,
        "--port",
        "0",
        "--initial-modules",
        "ticker",
        "--mgr-module-path",
        `${dir}/mods`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let daemonLog = "";
    const drained = daemon.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (s) => void (daemonLog += s) }),
    );
    try {
      await waitFor("the url file", async () => {
        const names = [];
        for await (const e of Deno.readDir(dir)) names.push(e.name);
        return names.some((n) => /^mgrd\..+\.url$/.test(n)) && names.includes("keyring")
          ? true
          : undefined;
      });

      await t.step("mgr module ls -f json", async () => {
        const r = await ceph(dir, ["mgr", "module", "ls", "-f", "json"]);
        assert.equal(r.rc, 0, r.stderr);
        assert.ok(r.stdout.startsWith("\n{"), JSON.stringify(r.stdout.slice(0, 40)));
        const ls = JSON.parse(r.stdout);
        assert.ok(Array.isArray(ls.enabled_modules));
        assert.ok(!ls.enabled_modules.includes("hello"));
        assert.ok(ls.enabled_modules.includes("ticker"));
      });

      await t.step("a disabled module's command is ENOTSUP (95)", async () => {
        const r = await ceph(dir, ["hello"]);
        assert.equal(r.rc, 95, r.stderr);
        assert.match(r.stderr, /^Error ENOTSUP: .*hello/);
      });

      await t.step("mgr module enable hello, then hello", async () => {
        const en = await ceph(dir, ["mgr", "module", "enable", "hello"]);
        assert.equal(en.rc, 0, en.stderr);
        const r = await waitFor("hello to answer", async () => {
          const r = await ceph(dir, ["hello"]);
          return r.rc === 0 ? r : undefined;
        }, 15_000);
        assert.deepStrictEqual(r, { rc: 0, stdout: "Hello world!", stderr: "" });
        const named = await ceph(dir, ["hello", "--person-name=Ann"]);
        assert.deepStrictEqual(named, { rc: 0, stdout: "Hello, Ann!", stderr: "" });
      });

      await t.step("a bad argument is rejected by the client with EINVAL (22)", async () => {
        const r = await ceph(dir, ["count", "abc"]);
        assert.deepStrictEqual(r, {
          rc: 22,
          stdout: "",
          stderr:
            "Invalid command: abc doesn't represent an int\ncount <num:int> :  Do some counting\nError EINVAL: invalid command\n",
        });
        const unknown = await ceph(dir, ["hello", "there", "you"]);
        assert.equal(unknown.rc, 22);
        assert.match(unknown.stderr, /Error EINVAL: invalid command\n$/);
      });

      await t.step("-i FILE and -i - give the command its input", async () => {
        const file = `${dir}/value.txt`;
        await Deno.writeTextFile(file, "from a file");
        const set = await ceph(dir, ["config-key", "set", "e2e/k1", "-i", file]);
        assert.equal(set.rc, 0, set.stderr);
        const get = await ceph(dir, ["config-key", "get", "e2e/k1"]);
        assert.deepStrictEqual(get, { rc: 0, stdout: "from a file", stderr: "" });
        const set2 = await ceph(dir, ["config-key", "set", "e2e/k2", "-i", "-"], "from stdin");
        assert.equal(set2.rc, 0, set2.stderr);
        const get2 = await ceph(dir, ["config-key", "get", "e2e/k2"]);
        assert.equal(get2.stdout, "from stdin");
      });

      await t.step("--help lists the matching commands", async () => {
        const r = await ceph(dir, ["--help", "mgr", "module"]);
        assert.equal(r.rc, 0, r.stderr);
        assert.match(r.stdout, /\nmgr module ls +\S/);
        assert.ok(!/\nhealth/.test(r.stdout));
      });

      await t.step("--period repeats a POLL command; Ctrl-C stops it with EINTR (4)", async () => {
        const r = await waitFor("ticker to answer", async () => {
          const r = await ceph(dir, ["ticker", "rate", "--period", "0.1", "--poll-count", "3"]);
          return r.rc === 0 ? r : undefined;
        }, 15_000);
        assert.match(r.stdout, /^tick (\d+)\ntick \d+\ntick \d+\n$/);
        const [a, b, c] = r.stdout.trim().split("\n").map((l) => Number(l.split(" ")[1]));
        assert.deepStrictEqual([b, c], [a! + 1, a! + 2]);

        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", ...FLAGS, MAIN, "ceph", "--data-dir", dir, "ticker", "rate", "-p", "0.1"],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        let seen = "";
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        while ((seen.match(/\n/g) ?? []).length < 2) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += value;
        }
        child.kill("SIGINT");
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += value;
        }
        const status = await child.status;
        await child.stderr.cancel();
        assert.equal(status.code, 4);
        assert.match(seen, /^(tick \d+\n){2,}Interrupted\n$/);
      });

      await t.step("a wrong key is EACCES (13)", async () => {
        const bad = `${dir}/bad.keyring`;
        await Deno.writeTextFile(bad, "[client.admin]\n\tkey = not-the-key\n");
        const r = await ceph(dir, ["health", "--keyring", bad]);
        assert.equal(r.rc, 13);
        assert.match(r.stderr, /^Error EACCES: .* refused the key of client\.admin/);
      });
    } catch (e) {
      console.error(`daemon log:\n${daemonLog}`);
      throw e;
    } finally {
      daemon.kill("SIGTERM");
      await daemon.status;
      await drained.catch(() => {});
    }

    await t.step("with the daemon stopped: a clear error, not a hang", async () => {
      const r = await ceph(dir, ["health"]);
      assert.ok(r.rc === 2 || r.rc === 111, `${r.rc} ${r.stderr}`);
      assert.match(r.stderr, /^Error (ENOENT|ECONNREFUSED): .*(mgrd\..+\.url|running)/);
    });
    await Deno.remove(dir, { recursive: true });
  },
});
