/**
 * The commands the manager answers itself, from the state it holds (health, status, ...).
 *
 * @module
 */
import { parseSignature } from "./commands/descriptor.ts";
import type { LocalCommand } from "./commands/service.ts";
import type { Manager } from "./manager.ts";

/** The manager's own commands, bound to one manager. */
export function managerCommands(manager: Manager): LocalCommand[] {
  return [
    {
      desc: parseSignature("health name=detail,type=CephChoices,strings=detail,req=false", {
        help: "show cluster health",
        perm: "r",
        module: "mon",
      }),
      run: (cmd) => manager.healthCommand(cmd),
    },
  ];
}
