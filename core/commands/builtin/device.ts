/**
 * `device ls` and `device info <devid>`: the devices the daemons reported, as the manager's
 * DeviceState keeps them (DaemonServer.cc).
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import type { LocalCommand } from "../service.ts";
import { ENOENT } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { textTable } from "../../../ceph/text_table.ts";
import { readCommand } from "./read_command.ts";
import { fail, jsonFormat, ok } from "./reply.ts";
import { arr, type Obj, StateReader, type StateSource } from "./state_reader.ts";

function deviceLs(v: StateReader, cmd: Obj): MonCommandResult {
  const devices = v.devices();
  const f = jsonFormat(cmd);
  if (f) return ok(formatJson(devices, f));
  return ok(textTable(
    [["DEVICE", "L"], ["HOST:DEV", "L"], ["DAEMONS", "L"], ["LIFE EXPECTANCY", "L"]],
    devices.map((d) => [
      String(d.devid),
      arr<Obj>(d.location).map((l) => `${l.host}:${l.dev}`).join(" "),
      arr<string>(d.daemons).join(" "),
      lifeExpectancy(d),
    ]),
  ));
}

/** `DeviceState::get_life_expectancy_str`: empty unless a prediction was recorded. */
function lifeExpectancy(d: Obj): string {
  const min = d.life_expectancy_min;
  const max = d.life_expectancy_max;
  if (typeof min !== "string" || min === "") return "";
  return typeof max === "string" && max !== "" ? `${min} to ${max}` : `>${min}`;
}

function deviceInfo(v: StateReader, cmd: Obj): MonCommandResult {
  const devid = String(cmd.devid);
  const d = v.devices().find((x) => x.devid === devid);
  if (!d) return fail(ENOENT, `device ${devid} not found`);
  const f = jsonFormat(cmd);
  if (f) return ok(formatJson(d, f));
  let text = `device ${devid}\n`;
  for (const l of arr<Obj>(d.location)) text += `attachment ${l.host} ${l.dev}\n`;
  text += `daemons ${[...arr<string>(d.daemons)].sort().join(",")}\n`;
  const life = lifeExpectancy(d);
  if (life) text += `life_expectancy ${life}\n`;
  if (typeof d.wear_level === "number" && d.wear_level >= 0) {
    // DeviceState::print: a float through an ostream, 6 significant digits.
    text += `wear_level ${Number(d.wear_level.toPrecision(6))}\n`;
  }
  return ok(text);
}

/** The `device` commands, bound to a source of state. */
export function deviceCommands(source: StateSource): LocalCommand[] {
  const v = new StateReader(source);
  return [
    readCommand("device ls", "Show devices", "mgr", (c) => deviceLs(v, c)),
    readCommand(
      "device info name=devid,type=CephString",
      "Show information about a device",
      "mgr",
      (c) => deviceInfo(v, c),
    ),
  ];
}
