/**
 * `mgrd ceph` against a fake daemon (an injected fetch answering the admin endpoint's contract):
 * output bytes and exit codes checked against the real `ceph` CLI's captures, matching errors,
 * options, input, help, polling and connection failures.
 */
import assert from "node:assert/strict";
import { describeCommands } from "../core/commands/descriptions.ts";
import { type CommandDescriptor, Flag, parseSignature } from "../core/commands/descriptor.ts";
import { descriptorsFromDescriptions } from "../core/commands/descriptions.ts";
import { errnoName } from "../ceph/errno.ts";
import { type CephIo, cephMain } from "../core/client/ceph_cli.ts";
import type { CommandReply } from "../core/client/daemon_client.ts";
import { referenceCli, referenceText } from "./_reference.ts";

const KEY = "AQBtestkey000000000000000000000000000==";
const URL_BASE = "http://127.0.0.1:7000";

// The mon and mgr commands the captures use (Ceph 16.2 MonCommands.h / MgrCommands.h), plus
// the anchor module's real descriptions.
const MON_SIGS: [string, string, number?][] = [
  ["status", "show cluster status"],
  ["health name=detail,type=CephChoices,strings=detail,req=false", "show cluster health"],
  ["config dump", "Show all configured option(s)"],
  [
    "config get name=who,type=CephString name=key,type=CephString,req=false",
    "Show configuration option(s) for an entity",
  ],
  [
    "config set name=who,type=CephString name=name,type=CephString name=value,type=CephString " +
    "name=force,type=CephBool,req=false",
    "Set a configuration option for one or more entities",
  ],
  [
    "config-key dump name=key,type=CephString,req=false",
    "dump keys and values (with optional prefix)",
  ],
  ["config-key get name=key,type=CephString", "get <key>"],
  ["config-key ls", "list keys"],
  [
    "config-key set name=key,type=CephString name=val,type=CephString,req=false",
    "set <key> to value <val>",
  ],
  ["mgr module ls", "list active mgr modules"],
  [
    "mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false",
    "enable mgr module",
  ],
  ["mgr module disable name=module,type=CephString", "disable mgr module"],
  ["mgr services", "list service endpoints provided by mgr modules"],
  ["iostat name=width,type=CephInt,req=false", "Get IO rates", Flag.POLL],
  ["mgr dump name=epoch,type=CephInt,range=0,req=false", "dump the latest MgrMap", Flag.DEPRECATED],
  ["mgr secret", "hidden", Flag.HIDDEN],
  ["mgr nohelp", ""],
];

const DESCS: CommandDescriptor[] = [
  ...MON_SIGS.map(([sig, help, flags]) =>
    parseSignature(sig, { help, perm: "r", flags: flags ?? 0, module: "mon" })
  ),
  ...descriptorsFromDescriptions(
    JSON.parse(referenceText("get/get_command_descriptions_mgr.json")).anchor_cmds,
  ),
];

type Handler = (cmd: Record<string, unknown>, inbuf: string | undefined) => CommandReply;

/** A daemon answering the admin endpoint's contract; records every command it receives. */
class FakeDaemon {
  readonly received: { cmd: Record<string, unknown>; inbuf: string | undefined }[] = [];
  handler: Handler = () => ({ retval: 0, stdout: "", stderr: "" });
  descriptionsCalls = 0;

  readonly fetch = (input: string, init: RequestInit): Promise<Response> => {
    const auth = new Headers(init.headers).get("authorization");
    if (auth !== `Bearer ${KEY}`) {
      return Promise.resolve(Response.json({ error: "unauthorized" }, { status: 401 }));
    }
    if (input === `${URL_BASE}/api/v1/commands` && init.method === "GET") {
      this.descriptionsCalls++;
      return Promise.resolve(Response.json(describeCommands(DESCS)));
    }
    if (input === `${URL_BASE}/api/v1/command` && init.method === "POST") {
      const body = JSON.parse(String(init.body));
      const { inbuf, ...cmd } = body;
      this.received.push({ cmd, inbuf });
      return Promise.resolve(Response.json(this.handler(cmd, inbuf)));
    }
    return Promise.resolve(Response.json({ error: "not found" }, { status: 404 }));
  };
}

/** Collects bytes; accepts at most 5 per write so short writes are exercised. */
class Sink {
  #chunks: Uint8Array[] = [];
  write(p: Uint8Array): Promise<number> {
    const n = Math.min(5, p.length);
    this.#chunks.push(p.slice(0, n));
    return Promise.resolve(n);
  }
  get text(): string {
    return new TextDecoder().decode(new Uint8Array(this.#chunks.flatMap((c) => [...c])));
  }
}

const dataDir = Deno.makeTempDirSync({ prefix: "mgrd_client_test_" });
Deno.writeTextFileSync(`${dataDir}/mgrd.x.url`, `${URL_BASE}\n`);
Deno.writeTextFileSync(
  `${dataDir}/keyring`,
  `[client.admin]\n\tkey = ${KEY}\n\tcaps mgr = "allow *"\n[client.ro]\n\tkey = wrongkey\n\tcaps mgr = "allow r"\n`,
);

interface Run {
  rc: number;
  stdout: string;
  stderr: string;
}

async function ceph(
  daemon: FakeDaemon,
  args: string[],
  extra: Partial<CephIo> = {},
): Promise<Run> {
  const stdout = new Sink();
  const stderr = new Sink();
  const rc = await cephMain(["--data-dir", dataDir, ...args], {
    stdout,
    stderr,
    fetch: daemon.fetch,
    ...extra,
  });
  return { rc, stdout: stdout.text, stderr: stderr.text };
}

// ---------------------------------------------------------------------------------------------
// The captures: a reply reconstructed from each capture must print exactly what `ceph` printed.

// The shell quoting the capture lines lost.
const QUOTED: Record<string, string[]> = {
  "anchorprobe store k2/sub value two": ["anchorprobe", "store", "k2/sub", "value two"],
};

function replyFromCapture(c: { rc: number; stdout: string; stderr: string }, json: boolean) {
  const stdout = json ? c.stdout.replace(/^\n/, "") : c.stdout;
  if (c.rc !== 0) {
    const prefix = `Error ${errnoName(c.rc)}: `;
    assert.ok(c.stderr.startsWith(prefix) && c.stderr.endsWith("\n"), c.stderr);
    return { retval: -c.rc, stdout, stderr: c.stderr.slice(prefix.length, -1) };
  }
  assert.ok(c.stderr === "" || c.stderr.endsWith("\n"));
  return { retval: 0, stdout, stderr: c.stderr.replace(/\n$/, "") };
}

Deno.test("mgrd ceph prints every captured reply byte for byte as ceph did, with its exit code", async (t) => {
  const names = [...Deno.readDirSync(new URL("./ceph-reference/cli/", import.meta.url))]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".txt"))
    .sort();
  assert.ok(names.length > 40);
  for (const name of names) {
    await t.step(name, async () => {
      const c = referenceCli(name);
      const line = c.command.replace(/^ceph /, "");
      const words = QUOTED[line] ?? line.split(" ");
      const json = /-f json/.test(line);
      const daemon = new FakeDaemon();
      daemon.handler = () => replyFromCapture(c, json);
      const r = await ceph(daemon, words);
      assert.deepStrictEqual(r, { rc: c.rc, stdout: c.stdout, stderr: c.stderr });
      assert.equal(daemon.received.length, 1);
      const sent = daemon.received[0]!.cmd;
      if (json) assert.equal(sent.format, "json" + (line.includes("json-pretty") ? "-pretty" : ""));
      else assert.equal(sent.format, undefined);
    });
  }
});

Deno.test("mgrd ceph sends the matched JSON command with typed values", async () => {
  const daemon = new FakeDaemon();
  await ceph(daemon, ["config", "set", "mgr", "mgr/x/level", "7", "--force"]);
  await ceph(daemon, [
    "anchorprobe",
    "typed",
    "--oid=o1",
    "--count",
    "3",
    "--ratio=0.5",
    "--force",
  ]);
  await ceph(daemon, ["anchorprobe", "store", "k2/sub", "value two"]);
  await ceph(daemon, ["mgr", "module", "enable", "x", "--force"]);
  await ceph(daemon, ["anchorprobe", "typed3", "o1", "n1"]);
  assert.deepStrictEqual(daemon.received.map((r) => r.cmd), [
    { prefix: "config set", who: "mgr", name: "mgr/x/level", value: "7", force: true },
    { prefix: "anchorprobe typed", oid: "o1", count: 3, ratio: 0.5, force: true },
    { prefix: "anchorprobe store", key: "k2/sub", val: "value two" },
    { prefix: "mgr module enable", module: "x", force: "--force" },
    { prefix: "anchorprobe typed3", oid: "o1", name: "n1" },
  ]);
  assert.ok(daemon.received.every((r) => r.inbuf === undefined));
});

Deno.test("mgrd ceph takes --name, --id and -f as its own options anywhere, as ceph does", async () => {
  const daemon = new FakeDaemon();
  // --name names the entity (client.ro's key is wrong here, so the daemon answers 401).
  const r = await ceph(daemon, ["anchorprobe", "typed3", "o1", "--name", "client.ro"]);
  assert.equal(r.rc, 13);
  const ok = await ceph(daemon, ["-fjson", "health", "--id=admin"]);
  assert.equal(ok.rc, 0);
  assert.equal(daemon.received.at(-1)?.cmd.format, "json");
});

Deno.test("mgrd ceph -f: a blank line before json output, none for plain; the format is sent", async (t) => {
  const daemon = new FakeDaemon();
  daemon.handler = () => ({ retval: 0, stdout: '{"a":1}', stderr: "" });
  for (
    const [args, stdout, format] of [
      [["-f", "json"], '\n{"a":1}', "json"],
      [["--format=json-pretty"], '\n{"a":1}', "json-pretty"],
      [["--format", "plain"], '{"a":1}', "plain"],
      [[], '{"a":1}', undefined],
    ] as const
  ) {
    await t.step(args.join(" ") || "(none)", async () => {
      const r = await ceph(daemon, ["mgr", "services", ...args]);
      assert.deepStrictEqual(r, { rc: 0, stdout, stderr: "" });
      assert.equal(daemon.received.at(-1)?.cmd.format, format);
    });
  }
});

Deno.test("mgrd ceph -f json still prints the blank line when the command fails, as ceph.in does", async () => {
  const daemon = new FakeDaemon();
  daemon.handler = () => ({ retval: -2, stdout: "", stderr: "no such key" });
  const r = await ceph(daemon, ["config-key", "get", "k", "-f", "json"]);
  assert.deepStrictEqual(r, { rc: 2, stdout: "\n", stderr: "Error ENOENT: no such key\n" });
});

Deno.test("mgrd ceph exits with -retval, 0 on a positive retval, prints stdout on failure", async () => {
  const daemon = new FakeDaemon();
  for (
    const [retval, rc, name] of [
      [-22, 22, "EINVAL"],
      [-2, 2, "ENOENT"],
      [-95, 95, "ENOTSUP"],
      [
        -5,
        5,
        "EIO",
      ],
      [-13, 13, "EACCES"],
      [-1, 1, "EPERM"],
    ] as const
  ) {
    daemon.handler = () => ({ retval, stdout: "partial", stderr: "why" });
    const r = await ceph(daemon, ["mgr", "services"]);
    assert.deepStrictEqual(r, { rc, stdout: "partial", stderr: `Error ${name}: why\n` });
  }
  // As the real CLI did for the crash module's `errno.EINVAL` (cli/commands/crash_info_missing).
  daemon.handler = () => ({ retval: 3, stdout: "", stderr: "odd" });
  assert.deepStrictEqual(await ceph(daemon, ["mgr", "services"]), {
    rc: 0,
    stdout: "",
    stderr: "odd\n",
  });
});

Deno.test("mgrd ceph: an unknown command lists the closest signatures and fails with EINVAL", async () => {
  const daemon = new FakeDaemon();
  const r = await ceph(daemon, ["anchorprobe", "nosuch"]);
  assert.equal(r.rc, 22);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    [
      "no valid command found; 10 closest matches:",
      "anchorprobe get <what>",
      "anchorprobe dumpall <outdir>",
      "anchorprobe timing [<iters:int>]",
      "anchorprobe send <oid> [<blackhole>]",
      "anchorprobe count <n:int>",
      "anchorprobe mode fast|slow|medium",
      "anchorprobe flag [--on]",
      "anchorprobe health set|clear",
      "anchorprobe store <key> [<val>]",
      "anchorprobe moncmd [<timeout:float>]",
      "Error EINVAL: invalid command",
      "",
    ].join("\n"),
  );
  assert.equal(daemon.received.length, 0);
  // Fewer than ten candidates: the count says how many; deprecated and hidden ones are left out.
  const mgr = await ceph(daemon, ["mgr", "bogus"]);
  assert.equal(
    mgr.stderr,
    [
      "no valid command found; 5 closest matches:",
      "mgr module ls",
      "mgr module enable <module> [--force]",
      "mgr module disable <module>",
      "mgr services",
      "mgr nohelp",
      "Error EINVAL: invalid command",
      "",
    ].join("\n"),
  );
});

Deno.test("mgrd ceph: a bad argument prints Invalid command, the usage and help, then EINVAL", async () => {
  const daemon = new FakeDaemon();
  const help = DESCS.find((d) => d.prefix === "anchorprobe count")!.help;
  for (
    const [word, why] of [
      ["11", "11 not in range [1, 10]"],
      ["abc", "abc doesn't represent an int"],
    ] as const
  ) {
    const r = await ceph(daemon, ["anchorprobe", "count", word]);
    assert.deepStrictEqual(r, {
      rc: 22,
      stdout: "",
      stderr:
        `Invalid command: ${why}\nanchorprobe count <n:int> :  ${help}\nError EINVAL: invalid command\n`,
    });
  }
  const extra = await ceph(daemon, ["config-key", "get", "a", "b", "-f", "json"]);
  assert.deepStrictEqual(extra, {
    rc: 22,
    stdout: "\n",
    stderr:
      "Invalid command: unused arguments: ['b']\nconfig-key get <key> :  get <key>\nError EINVAL: invalid command\n",
  });
  const missing = await ceph(daemon, ["anchorprobe", "mode"]);
  assert.equal(missing.rc, 22);
  assert.match(
    missing.stderr,
    /^Invalid command: missing required parameter mode\(fast\|slow\|medium\)\n/,
  );
  assert.equal(daemon.received.length, 0);
});

Deno.test("mgrd ceph -i FILE and -i - send the input as inbuf", async () => {
  const daemon = new FakeDaemon();
  daemon.handler = (cmd, inbuf) => ({ retval: 0, stdout: "", stderr: `set ${cmd.key} ${inbuf}` });
  const file = `${dataDir}/input.txt`;
  Deno.writeTextFileSync(file, "from a file\nline two\n");
  const r1 = await ceph(daemon, ["config-key", "set", "k1", "-i", file]);
  assert.deepStrictEqual(r1, { rc: 0, stdout: "", stderr: "set k1 from a file\nline two\n\n" });
  const stdin = new Blob(["from stdin ✓"]).stream();
  const r2 = await ceph(daemon, ["-i", "-", "config-key", "set", "k2"], { stdin });
  assert.equal(r2.rc, 0);
  assert.deepStrictEqual(daemon.received.map((r) => r.inbuf), [
    "from a file\nline two\n",
    "from stdin ✓",
  ]);
  const missing = await ceph(daemon, ["config-key", "set", "k3", "-i", `${dataDir}/nope`]);
  assert.deepStrictEqual(missing, {
    rc: 1,
    stdout: "",
    stderr:
      `Can't open input file ${dataDir}/nope: [Errno 2] No such file or directory: '${dataDir}/nope'\n`,
  });
  assert.equal(daemon.received.length, 2);
});

Deno.test("mgrd ceph -o FILE writes the output there, without the json blank line", async () => {
  const daemon = new FakeDaemon();
  daemon.handler = () => ({ retval: 0, stdout: "[1]", stderr: "" });
  const file = `${dataDir}/out.json`;
  const r = await ceph(daemon, ["config-key", "ls", "-f", "json", "-o", file]);
  assert.deepStrictEqual(r, { rc: 0, stdout: "", stderr: "" });
  assert.equal(Deno.readTextFileSync(file), "[1]");
});

Deno.test("mgrd ceph --help prints the usage and the commands, or those starting with the words", async () => {
  const daemon = new FakeDaemon();
  const all = await ceph(daemon, ["--help"]);
  assert.equal(all.rc, 0);
  assert.ok(all.stdout.startsWith("\n General usage: \n ==============\nusage: mgrd ceph [-h]"));
  const listing = all.stdout.split("\n Monitor commands: \n =================\n")[1]!;
  const lines = listing.split("\n").filter(Boolean);
  assert.equal(
    lines[0],
    "anchorfail ping                          ping the failing module",
  );
  // Sorted by usage line; no deprecated, hidden or help-less commands.
  const usages = lines.filter((l) => !l.startsWith(" ")).map((l) => l.slice(0, 40).trimEnd());
  assert.deepStrictEqual(usages, [...usages].sort());
  for (const gone of ["mgr dump", "mgr secret", "mgr nohelp"]) {
    assert.ok(!listing.includes(gone), gone);
  }
  assert.ok(listing.includes("iostat [<width:int>]                     Get IO rates\n"));

  const some = await ceph(daemon, ["-h", "mgr", "mod"]);
  assert.equal(some.rc, 0);
  assert.equal(
    some.stdout.split(" =================\n")[1],
    [
      "mgr module disable <module>              disable mgr module",
      "mgr module enable <module> [--force]     enable mgr module",
      "mgr module ls                            list active mgr modules",
      "",
    ].join("\n"),
  );
  assert.equal(daemon.received.length, 0);
});

Deno.test("mgrd ceph --period repeats a POLL command; --poll-count bounds it; Ctrl-C interrupts it", async (t) => {
  await t.step("--poll-count", async () => {
    const daemon = new FakeDaemon();
    let n = 0;
    daemon.handler = () => ({ retval: 0, stdout: `rates ${++n}`, stderr: n === 2 ? "warn" : "" });
    const sleeps: number[] = [];
    const r = await ceph(daemon, ["iostat", "--period", "2.5", "--poll-count", "3"], {
      sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
      signal: new AbortController().signal,
    });
    assert.deepStrictEqual(r, { rc: 0, stdout: "rates 1\nrates 2\nrates 3\n", stderr: "warn\n" });
    assert.deepStrictEqual(sleeps, [2500, 2500]);
    assert.deepStrictEqual(daemon.received[0]!.cmd, { prefix: "iostat", poll: true });
    assert.equal(daemon.descriptionsCalls, 1);
  });
  await t.step("interrupted", async () => {
    const daemon = new FakeDaemon();
    daemon.handler = () => ({ retval: 0, stdout: "r", stderr: "" });
    const ac = new AbortController();
    let sleeps = 0;
    const r = await ceph(daemon, ["iostat"], {
      sleep: (ms, signal) => {
        assert.equal(ms, 1000);
        if (++sleeps === 3) ac.abort();
        assert.equal(signal.aborted, sleeps === 3);
        return Promise.resolve();
      },
      signal: ac.signal,
    });
    assert.deepStrictEqual(r, { rc: 4, stdout: "r\nr\nr\nInterrupted\n", stderr: "" });
  });
  await t.step("an error ends the loop with its code", async () => {
    const daemon = new FakeDaemon();
    let n = 0;
    daemon.handler = () =>
      ++n < 2
        ? { retval: 0, stdout: "ok", stderr: "" }
        : { retval: -5, stdout: "", stderr: "gone" };
    const r = await ceph(daemon, ["iostat", "-p", "1"], {
      sleep: () => Promise.resolve(),
      signal: new AbortController().signal,
    });
    assert.deepStrictEqual(r, { rc: 5, stdout: "ok\n", stderr: "Error EIO: gone\n" });
  });
  await t.step("--period 0 runs it once, output as for any command", async () => {
    const daemon = new FakeDaemon();
    daemon.handler = () => ({ retval: 0, stdout: "once", stderr: "" });
    const r = await ceph(daemon, ["iostat", "--period", "0"]);
    assert.deepStrictEqual(r, { rc: 0, stdout: "once", stderr: "" });
  });
  await t.step("non-POLL commands ignore --period", async () => {
    const daemon = new FakeDaemon();
    daemon.handler = () => ({ retval: 0, stdout: "x", stderr: "" });
    const r = await ceph(daemon, ["mgr", "services", "--period", "1"]);
    assert.deepStrictEqual(r, { rc: 0, stdout: "x", stderr: "" });
    assert.equal(daemon.received[0]!.cmd.poll, undefined);
  });
});

Deno.test("mgrd ceph: a refused key is EACCES (13), naming the entity and keyring", async () => {
  const daemon = new FakeDaemon();
  const r = await ceph(daemon, ["--id", "ro", "health"]);
  assert.deepStrictEqual(r, {
    rc: 13,
    stdout: "",
    stderr:
      `Error EACCES: ${URL_BASE} refused the key of client.ro from ${dataDir}/keyring (HTTP 401: unauthorized)\n`,
  });
});

Deno.test("mgrd ceph: connection failures exit with ECONNREFUSED, ETIMEDOUT or ENOENT, naming the place", async (t) => {
  await t.step("nothing listens (a real fetch to a closed port)", async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const dir = Deno.makeTempDirSync({ prefix: "mgrd_client_refused_" });
    Deno.writeTextFileSync(`${dir}/mgrd.x.url`, `http://127.0.0.1:${port}\n`);
    Deno.copyFileSync(`${dataDir}/keyring`, `${dir}/keyring`);
    const stdout = new Sink();
    const stderr = new Sink();
    const rc = await cephMain(["health", "--data-dir", dir], { stdout, stderr });
    assert.equal(rc, 111);
    assert.equal(
      stderr.text,
      `Error ECONNREFUSED: cannot connect to mgrd at http://127.0.0.1:${port} (from ${dir}/mgrd.x.url): connection refused (is 'mgrd serve' running?)\n`,
    );
    Deno.removeSync(dir, { recursive: true });
  });
  await t.step("timeout", async () => {
    const r = await ceph(new FakeDaemon(), ["health", "--connect-timeout", "3"], {
      fetch: () => Promise.reject(new DOMException("Signal timed out.", "TimeoutError")),
    });
    assert.deepStrictEqual(r, {
      rc: 110,
      stdout: "",
      stderr:
        `Error ETIMEDOUT: no answer from mgrd at ${URL_BASE} (from ${dataDir}/mgrd.x.url) within 3 s\n`,
    });
  });
  await t.step("no url file, no data dir", async () => {
    const dir = Deno.makeTempDirSync({ prefix: "mgrd_client_nourl_" });
    const r = await cephMain(["health", "--data-dir", dir], {
      stdout: new Sink(),
      stderr: new Sink(),
    });
    assert.equal(r, 2);
    const stderr = new Sink();
    assert.equal(
      await cephMain(["health", "--data-dir", `${dir}/missing`], { stdout: new Sink(), stderr }),
      2,
    );
    assert.match(stderr.text, /^Error ENOENT: data directory .*missing does not exist/);
    Deno.removeSync(dir, { recursive: true });
  });
  await t.step("keyring missing or without the entity", async () => {
    const daemon = new FakeDaemon();
    const r = await ceph(daemon, ["health", "--keyring", `${dataDir}/none`]);
    assert.deepStrictEqual(r, {
      rc: 2,
      stdout: "",
      stderr: `Error ENOENT: keyring ${dataDir}/none does not exist\n`,
    });
    const r2 = await ceph(daemon, ["health", "--name", "mgr.x"]);
    assert.equal(r2.stderr, `Error ENOENT: no key for mgr.x in keyring ${dataDir}/keyring\n`);
  });
  await t.step("--url overrides the url file", async () => {
    const daemon = new FakeDaemon();
    const r = await ceph(daemon, ["health", "--url", "http://127.0.0.1:7001"]);
    assert.equal(r.rc, 5);
    assert.match(
      r.stderr,
      /^Error EIO: HTTP 404 from http:\/\/127\.0\.0\.1:7001\/api\/v1\/commands/,
    );
  });
});

Deno.test("mgrd ceph: daemon transport errors map to EINVAL (400), EFBIG (413), EIO (bad JSON)", async () => {
  const daemon = new FakeDaemon();
  const answer = (res: Response) => (input: string, init: RequestInit) =>
    input.endsWith("/command") ? Promise.resolve(res) : daemon.fetch(input, init);
  const bad = await ceph(daemon, ["health"], {
    fetch: answer(Response.json({ error: "body is not a JSON object" }, { status: 400 })),
  });
  assert.deepStrictEqual(bad, {
    rc: 22,
    stdout: "",
    stderr:
      `Error EINVAL: ${URL_BASE}/api/v1/command rejected the request: body is not a JSON object\n`,
  });
  const big = await ceph(daemon, ["health"], {
    fetch: answer(Response.json({ error: "body over 1048576 bytes" }, { status: 413 })),
  });
  assert.equal(big.rc, 27);
  assert.match(big.stderr, /^Error EFBIG: request too large/);
  const garbled = await ceph(daemon, ["health"], { fetch: answer(new Response("<html>")) });
  assert.equal(garbled.rc, 5);
  const wrongShape = await ceph(daemon, ["health"], {
    fetch: answer(Response.json({ retval: "0" })),
  });
  assert.equal(wrongShape.rc, 5);
});

Deno.test("mgrd ceph: bad options exit 2 with an argparse-style message; no command is EINVAL", async () => {
  const daemon = new FakeDaemon();
  const r = await ceph(daemon, ["health", "-f", "xml"]);
  assert.equal(r.rc, 2);
  assert.match(
    r.stderr,
    /\nmgrd ceph: error: argument -f\/--format: invalid choice: 'xml' \(choose from 'json', 'json-pretty', 'plain'\)\n$/,
  );
  const r2 = await ceph(daemon, ["health", "-i"]);
  assert.match(r2.stderr, /argument -i\/--in-file: expected one argument\n$/);
  assert.equal((await ceph(daemon, ["--period", "x", "iostat"])).rc, 2);
  const none = await ceph(daemon, []);
  assert.equal(none.rc, 22);
  assert.match(none.stderr, /no command given/);
  // After "--" everything is a command word.
  const dashed = await ceph(daemon, ["config-key", "get", "--", "-f"]);
  assert.equal(dashed.rc, 0);
  assert.deepStrictEqual(daemon.received.at(-1)?.cmd, { prefix: "config-key get", key: "-f" });
});

Deno.test("mgrd ceph: several url files (an active manager and its standbys): the first by name is used", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd_client_several_" });
  try {
    Deno.copyFileSync(`${dataDir}/keyring`, `${dir}/keyring`);
    Deno.writeTextFileSync(`${dir}/mgrd.b.url`, "http://127.0.0.1:7002\n");
    Deno.writeTextFileSync(`${dir}/mgrd.a.url`, `${URL_BASE}\n`);
    const daemon = new FakeDaemon();
    daemon.handler = () => ({ retval: 0, stdout: "HEALTH_OK", stderr: "" });
    const stdout = new Sink();
    const rc = await cephMain(["health", "--data-dir", dir], {
      stdout,
      stderr: new Sink(),
      fetch: daemon.fetch,
    });
    assert.equal(rc, 0);
    assert.equal(stdout.text, "HEALTH_OK", "mgrd.a.url was used: the daemon of b is not there");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** A standby at `STANDBY` that answers 307 to the fake daemon, as the admin endpoint does. */
const STANDBY = "http://127.0.0.1:7001";
function behindStandby(
  daemon: FakeDaemon,
  seen: { url: string; auth: string | null; body: unknown }[],
  location: (path: string) => string = (path) => URL_BASE + path,
) {
  return (input: string, init: RequestInit): Promise<Response> => {
    seen.push({
      url: input,
      auth: new Headers(init.headers).get("authorization"),
      body: init.body,
    });
    assert.equal(init.redirect, "manual", "the client follows redirects itself");
    if (input.startsWith(STANDBY)) {
      const path = input.slice(STANDBY.length);
      return Promise.resolve(
        new Response(JSON.stringify({ error: "mgr.y is a standby" }), {
          status: 307,
          headers: { location: location(path), "content-type": "application/json" },
        }),
      );
    }
    return daemon.fetch(input, init);
  };
}

Deno.test("mgrd ceph: a standby's redirect is followed with the key and the body", async () => {
  const daemon = new FakeDaemon();
  daemon.handler = (cmd) => ({ retval: 0, stdout: JSON.stringify(cmd), stderr: "" });
  const seen: { url: string; auth: string | null; body: unknown }[] = [];
  const r = await ceph(daemon, ["--url", STANDBY, "config-key", "get", "k1"], {
    fetch: behindStandby(daemon, seen),
  });
  assert.equal(r.rc, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { prefix: "config-key get", key: "k1" });
  const posts = seen.filter((s) => s.body !== undefined);
  assert.deepEqual(posts.map((s) => s.url), [
    `${STANDBY}/api/v1/command`,
    `${URL_BASE}/api/v1/command`,
  ]);
  assert.equal(posts[1]!.auth, `Bearer ${KEY}`);
  assert.equal(posts[1]!.body, posts[0]!.body);
});

Deno.test("mgrd ceph: an active endpoint behind a redirect that refuses the key says it is the one that refused", async () => {
  const daemon = new FakeDaemon();
  const refusing = (input: string, init: RequestInit) =>
    daemon.fetch(input, { ...init, headers: { authorization: "Bearer another-keyring" } });
  const r = await ceph(daemon, ["--url", STANDBY, "health"], {
    fetch: behindStandby({ fetch: refusing } as unknown as FakeDaemon, []),
  });
  assert.equal(r.rc, 13);
  assert.match(
    r.stderr,
    new RegExp(
      `^Error EACCES: ${URL_BASE} \\(where the standby at ${STANDBY} sent the request\\) ` +
        "refused the key of client\\.admin",
    ),
  );
});

Deno.test("mgrd ceph: redirect loops and non-http redirects end with EIO; a 503 with EAGAIN", async () => {
  const daemon = new FakeDaemon();
  const loop = await ceph(daemon, ["--url", STANDBY, "health"], {
    fetch: behindStandby(daemon, [], (path) => STANDBY + path),
  });
  assert.equal(loop.rc, 5);
  assert.match(loop.stderr, /^Error EIO: more than 3 redirects from http:\/\/127\.0\.0\.1:7001\n$/);
  const odd = await ceph(daemon, ["--url", STANDBY, "health"], {
    fetch: behindStandby(daemon, [], () => "file:///etc/passwd"),
  });
  assert.equal(odd.rc, 5);
  assert.match(odd.stderr, /redirected to an invalid address 'file:\/\/\/etc\/passwd'/);
  const busy = await ceph(daemon, ["--url", STANDBY, "health"], {
    fetch: () =>
      Promise.resolve(
        Response.json({ error: "mgr.y is a standby and no manager is active; retry later" }, {
          status: 503,
        }),
      ),
  });
  assert.equal(busy.rc, 11);
  assert.match(
    busy.stderr,
    /^Error EAGAIN: .* is unavailable: mgr\.y is a standby and no manager is active/,
  );
});
