/** The getter of ../_getter.ts, as module getter_w. */
import { CLIReadCommand, HandleCommandResult } from "mgr_module";
import { Getter } from "../_getter.ts";

export class Getter_w extends Getter {
  @CLIReadCommand("getter_w read", { args: { name: "str", n: "int" } })
  run({ name, n }: { name: string; n: number }): HandleCommandResult {
    return new HandleCommandResult(0, this.read(name, n));
  }
}
