import assert from "node:assert/strict";
import { referenceCli, referenceText } from "./_reference.ts";

// Deno 2.9 has Unix datagram sockets only under --unstable-net, which `deno task test` does not
// pass: the module runs in a child process that has it.
Deno.test("telegraf over unixgram (with --unstable-net): a datagram a line; a missing socket is logged as Ceph logs it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-net",
      new URL("./_telegraf_unixgram.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!) as {
    set: number;
    sent: [number, string];
    missing: [number, string];
    datagrams: string[];
    log: string[];
  };
  assert.equal(r.set, 0);
  assert.deepEqual(r.sent, [0, "Sending data to Telegraf"]);
  assert.ok(r.datagrams.length > 50);
  assert.ok(
    r.datagrams.every((d) => /^ceph_(pool|daemon|cluster)_stats,\S+ value=\S+ \d+\n$/.test(d)),
  );
  assert.ok(r.datagrams.at(-1)!.includes("type_instance=num_pgs_wait "));
  // A socket path nobody binds: Ceph answers the same and logs FileNotFoundError.
  const ref = referenceCli("telegraf/send_unixgram_missing.txt");
  assert.deepEqual([r.missing[0], r.missing[1] + "\n"], [ref.rc, ref.stdout]);
  const refLast = referenceText("cli/telegraf/send_unixgram_missing.log").trimEnd().split("\n").at(
    -1,
  )!;
  assert.equal(refLast, "FileNotFoundError: [Errno 2] No such file or directory");
  assert.ok(r.log.some((l) => l.includes(refLast)), r.log.join("\n"));
});
