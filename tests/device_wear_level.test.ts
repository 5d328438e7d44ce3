/**
 * `set_device_wear_level` (ActivePyModules::set_device_wear_level): the manager's device
 * state shows the level at once, the mon's `device/<devid>` config-key keeps it with the
 * device's other metadata, and the manager that takes over next reads it from there.
 */
import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Wear extends MgrModule {}

interface Device {
  devid: string;
  wear_level?: number;
}

Deno.test("a device's wear level shows in get('devices') and device info, and outlives a failover", async () => {
  const c = await startTestCluster({
    builtins: { wear: { Wear } },
    initialModules: ["wear"],
    standbys: ["y"],
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8 }] },
  });
  try {
    await c.run(10);
    const wear = c.manager.host.instance("wear") as Wear;
    const devices = (wear.get("devices") as { devices: Device[] }).devices;
    const devid = devices[1]!.devid;
    assert.equal(devices[1]!.wear_level, undefined, "no level before one is set");
    await wear.set_device_wear_level(devid, 0.35);
    const after = (wear.get("devices") as { devices: Device[] }).devices;
    // A C++ float, as the manager's DeviceState holds it.
    assert.equal(after.find((d) => d.devid === devid)?.wear_level, Math.fround(0.35));
    assert.equal(after.filter((d) => d.wear_level !== undefined).length, 1);
    const one = wear.get(`device ${devid}`) as { device: Device };
    assert.equal(one.device.wear_level, Math.fround(0.35));
    const stored = await c.command({ prefix: "config-key get", key: `device/${devid}` });
    assert.equal(stored.outb, '{"wear_level":"0.35"}');
    const info = await c.command({ prefix: "device info", devid });
    assert.match(info.outb, /^wear_level 0\.35$/m);
    // A device nobody reported gets `{}`, and no entry.
    await wear.set_device_wear_level("NO_SUCH_DEVICE", 0.5);
    const none = await c.command({ prefix: "config-key get", key: "device/NO_SUCH_DEVICE" });
    assert.equal(none.outb, "{}");

    await c.command({ prefix: "mgr fail", who: "x" });
    await c.run(10);
    const y = c.activeManager();
    assert.ok(y && y !== c.manager, "y took over");
    const seen = (y.get("devices") as { devices: Device[] }).devices;
    assert.equal(seen.find((d) => d.devid === devid)?.wear_level, Math.fround(0.35));
    // A negative level removes it.
    const wearY = y.host.instance("wear") as Wear;
    await wearY.set_device_wear_level(devid, -1);
    const cleared = (y.get("devices") as { devices: Device[] }).devices;
    assert.equal(cleared.find((d) => d.devid === devid)?.wear_level, undefined);
    assert.equal(
      (await c.command({ prefix: "config-key get", key: `device/${devid}` })).outb,
      "{}",
    );
  } finally {
    await c.stop();
  }
});
