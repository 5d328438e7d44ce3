/** The getter of ../_getter.ts, as module getter_x. */
import { CLIReadCommand, HandleCommandResult } from "mgr_module";
import { Getter } from "../_getter.ts";

export class Getter_x extends Getter {
  @CLIReadCommand("getter_x read", { args: { name: "str", n: "int" } })
  run({ name, n }: { name: string; n: number }): HandleCommandResult {
    return new HandleCommandResult(0, this.read(name, n));
  }
}
