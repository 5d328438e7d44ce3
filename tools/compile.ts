/**
 * `deno task compile`: builds the single `mgrd` executable into dist/.
 *
 * `deno compile` needs the runtime base `denort` for the pinned Deno version. It downloads it
 * unless the environment variable DENORT_BIN names a local copy, which Deno honours itself; this
 * script passes the environment through and, when the download fails, says how to provide one.
 */
const output = Deno.env.get("MGRD_OUTPUT") ?? "dist/mgrd";
const args = [
  "compile",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-sys",
  "--allow-run",
  "--allow-ffi",
  // The telegraf module's default address is a unix datagram socket (Deno.listenDatagram).
  "--unstable-net",
  // Started as a Worker by URL, which the module graph does not follow.
  "--include",
  "core/module_worker/worker_main.ts",
  "--output",
  output,
  "main.ts",
];
const denort = Deno.env.get("DENORT_BIN");
console.error(
  `deno ${args.join(" ")}` + (denort ? `  (runtime base from DENORT_BIN=${denort})` : ""),
);
const { code } = await new Deno.Command(Deno.execPath(), {
  args,
  stdout: "inherit",
  stderr: "inherit",
})
  .output();
if (code !== 0 && !denort) {
  console.error(
    `\ndeno compile failed. Where the runtime base cannot be downloaded, fetch ` +
      `denort-x86_64-unknown-linux-gnu.zip for Deno ${Deno.version.deno} on a machine that can, ` +
      `unzip it here and run: DENORT_BIN=$PWD/denort deno task compile`,
  );
}
Deno.exit(code);
