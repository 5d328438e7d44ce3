/**
 * hello — the example module, as in Ceph: a greeting command with options, a counting command
 * on the legacy `COMMANDS` path, and a `serve()` loop paced by the daemon's `mgr_tick_period`.
 *
 * @module
 */
import {
  CLIReadCommand,
  EINVAL,
  HandleCommandResult,
  MgrModule,
  Option,
  type OptionValue,
} from "mgr_module";

export class Hello extends MgrModule {
  static override COMMANDS = [
    { cmd: "count name=num,type=CephInt", desc: "Do some counting", perm: "r" },
  ];

  static override MODULE_OPTIONS = [
    Option({ name: "place", default: "world", desc: "a place in the world", runtime: true }),
    Option({
      name: "emphatic",
      type: "bool",
      default: true,
      desc: "whether to say it loudly",
      runtime: true,
    }),
    Option({ name: "foo", enum_allowed: ["a", "b", "c"], default: "a", runtime: true }),
  ];

  /** Current option values, refreshed by config_notify(). */
  options: Record<string, OptionValue | null> = {};
  tickPeriod = 2;
  wakeups = 0;

  override config_notify(): void {
    for (const opt of Hello.MODULE_OPTIONS) {
      this.options[opt.name] = this.get_module_option(opt.name);
      this.log.debug(` mgr option ${opt.name} = ${String(this.options[opt.name])}`);
    }
    this.tickPeriod = Number(this.get_ceph_option("mgr_tick_period"));
  }

  @CLIReadCommand("hello", {
    args: { person_name: { type: "str", optional: true } },
    desc: "Say hello",
  })
  hello({ person_name }: { person_name?: string }): HandleCommandResult {
    let out = person_name !== undefined
      ? `Hello, ${person_name}`
      : `Hello ${String(this.get_module_option("place"))}`;
    if (this.get_module_option("emphatic")) out += "!";
    return new HandleCommandResult(0, out);
  }

  override handle_command(_inbuf: string, cmd: Record<string, unknown>): HandleCommandResult {
    if (cmd.prefix !== "count") {
      return new HandleCommandResult(-EINVAL, "", `unknown command ${String(cmd.prefix)}`);
    }
    const num = Number(cmd.num ?? 0);
    if (num < 1) return new HandleCommandResult(-EINVAL, "", "That's too small a number");
    if (num > 10) return new HandleCommandResult(-EINVAL, "", "That's too big a number");
    const counted = Array.from({ length: num }, (_, i) => String(i + 1)).join(", ");
    return new HandleCommandResult(0, `Hello, I am the count!\n${counted}!`);
  }

  override async serve(): Promise<void> {
    this.config_notify();
    this.log.info("Starting");
    while (!this.shutting_down) {
      this.log.debug(`Sleeping for ${this.tickPeriod} seconds`);
      await this.sleep(this.tickPeriod);
      this.wakeups++;
    }
  }

  override shutdown(): void {
    this.log.info("Stopping");
  }
}
