/**
 * `service dump`: the ServiceMap (rgw, rbd-mirror, ... daemons that registered a service).
 *
 * @module
 */
import type { LocalCommand } from "../service.ts";
import { formatJson } from "../../../ceph/format.ts";
import { readCommand } from "./read_command.ts";
import { jsonFormat, ok } from "./reply.ts";
import { StateReader, type StateSource } from "./state_reader.ts";

/** The `service` commands, bound to a source of state. */
export function serviceCommands(source: StateSource): LocalCommand[] {
  const v = new StateReader(source);
  return [
    readCommand(
      "service dump",
      "dump service map",
      "service",
      (c) => ok(formatJson(v.serviceMap(), jsonFormat(c) ?? "json-pretty")),
    ),
  ];
}
