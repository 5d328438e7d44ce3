/**
 * From `mgr module enable|disable` to the respawned manager's new `active_gid` in the MgrMap,
 * on the embedded cluster `mgrd serve` runs (wall clock, the mon's store on disk, every
 * built-in module with the exporter on a free port). A real 16.2.15 ceph-mgr takes 5–7.5 s
 * (tests/ceph-reference/cli/behaviour/mgr_module_respawn/timeline.txt); the target is < 1 s.
 *
 * Each iteration toggles `selftest` and measures two things: the mon command committed and
 * the new gid visible to a client polling `mgr dump` (what cephadm and Ceph's test harness
 * wait for), and the whole `mgr module enable` as the admin endpoint answers it (which waits
 * for the respawn, so the next command meets the new incarnation).
 *
 *   deno bench --allow-all bench/mgr_respawn_bench.ts
 */
import { Manager } from "../core/manager.ts";
import { DaemonLog } from "../core/logging.ts";
import { WallClock } from "../daemon/wall_clock.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { embeddedBinding } from "../sim/embedded.ts";

const dir = await Deno.makeTempDir({ prefix: "mgrd-respawn-bench-" });
const clock = new WallClock();
const opened = await embeddedBinding.open(dir, {
  clock,
  managerIds: ["x"],
  args: { "initial-modules": "iostat" },
});
if ("refused" in opened) throw new Error(opened.refused);
const link = opened.link("x");
const log = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 100 });
const manager = await Manager.start({ id: "x", clock, link, log, builtins: BUILTIN_MODULES });
const port = await manager.command({
  prefix: "config set",
  who: "mgr",
  name: "mgr/prometheus/server_port",
  value: "0",
});
if (port.r !== 0) throw new Error(port.outs);
await manager.command({ prefix: "mgr module enable", module: "prometheus" });

let enabled = false;
const toggle = () => ({
  prefix: enabled ? "mgr module disable" : "mgr module enable",
  module: "selftest",
});
const gid = () => link.snapshot().mgrMap.active_gid;

Deno.bench("enable|disable → new active_gid in the MgrMap", { group: "respawn" }, async (b) => {
  const before = gid();
  b.start();
  // The mon command alone, as `ceph mgr module enable` sends it to the mon.
  const r = await link.monCommand(toggle());
  if (r.r !== 0) throw new Error(r.outs);
  while (gid() === before) await new Promise((resolve) => setTimeout(resolve, 0));
  b.end();
  enabled = !enabled;
  await manager.settled();
});

Deno.bench("enable|disable through the manager (answers after the respawn)", {
  group: "respawn",
}, async () => {
  const before = gid();
  const r = await manager.command(toggle());
  if (r.r !== 0 || gid() === before) throw new Error(r.outs || "no respawn");
  enabled = !enabled;
});

globalThis.addEventListener("unload", () => {
  // Deno.bench has no teardown hook: leave no server or timer behind.
  void (async () => {
    await manager.stop();
    link.close();
    log.close();
    await opened.close();
    await Deno.remove(dir, { recursive: true });
  })();
});
