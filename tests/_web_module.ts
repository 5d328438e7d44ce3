/**
 * A module with a service URI and a standby side, for the tests of manager lifecycles
 * (tests/standby.test.ts, tests/mgr_respawn_on_module_change.test.ts): its active side
 * publishes `http://<mgr id>.example:<port>/` and counts its starts in its store; its standby
 * side keeps the active URI it last saw.
 */
import {
  CLIReadCommand,
  HandleCommandResult,
  MgrModule,
  MgrStandbyModule,
  Option,
} from "mgr_module";

/** The active side. */
export class Web extends MgrModule {
  static override MODULE_OPTIONS = [Option({ name: "port", type: "int", default: 8080 })];
  override async serve(): Promise<void> {
    this.set_uri(`http://${this.get_mgr_id()}.example:${this.get_module_option("port")}/`);
    const runs = Number(this.get_store("runs") ?? "0") + 1;
    await this.set_store("runs", String(runs));
    while (!this.shutting_down) await this.sleep(5);
  }
  /** How many times serve() started (the store outlives respawns). */
  @CLIReadCommand("web runs")
  runs(): HandleCommandResult {
    return new HandleCommandResult(0, this.get_store("runs") ?? "0");
  }
  /** Which manager answers. */
  @CLIReadCommand("web whoami")
  whoami(): HandleCommandResult {
    return new HandleCommandResult(0, this.get_mgr_id());
  }
}

/** The standby side. */
export class WebStandby extends MgrStandbyModule {
  static override MODULE_OPTIONS = Web.MODULE_OPTIONS;
  seenActive = "";
  override async serve(): Promise<void> {
    while (!this.shutting_down) {
      this.seenActive = this.get_active_uri();
      await this.sleep(1);
    }
  }
}
