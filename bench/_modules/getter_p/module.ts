/** The getter of ../_getter.ts, as module getter_p. */
import { CLIReadCommand, HandleCommandResult } from "mgr_module";
import { Getter } from "../_getter.ts";

export class Getter_p extends Getter {
  @CLIReadCommand("getter_p read", { args: { name: "str", n: "int" } })
  run({ name, n }: { name: string; n: number }): HandleCommandResult {
    return new HandleCommandResult(0, this.read(name, n));
  }
}
