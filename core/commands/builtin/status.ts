/**
 * `status` (`ceph -s`): the cluster at a glance, from what core/status.ts renders.
 *
 * @module
 */
import { formatJson } from "../../../ceph/format.ts";
import { type StatusInputs, statusJson, statusText } from "../../status.ts";
import { parseSignature } from "../descriptor.ts";
import type { LocalCommand } from "../service.ts";
import { jsonFormat, ok } from "./reply.ts";

/** What `status` needs: what the status is built from, at the moment it is asked. */
export interface StatusSource {
  statusInputs(): StatusInputs;
}

/** The `status` command, bound to a source of status. */
export function statusCommands(source: StatusSource): LocalCommand[] {
  return [
    {
      desc: parseSignature("status", { help: "show cluster status", perm: "r", module: "mon" }),
      run: (cmd) => {
        const inputs = source.statusInputs();
        const f = jsonFormat(cmd);
        // The mon's `status` ends with a newline in either JSON format.
        if (f) return ok(formatJson(statusJson(inputs), f) + (f === "json" ? "\n" : ""));
        return ok(statusText(inputs));
      },
    },
  ];
}
