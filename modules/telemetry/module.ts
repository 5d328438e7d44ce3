/**
 * telemetry — Ceph 16.2's telemetry module as far as mgrd carries it: its options (the same
 * names, types and defaults as 16.2.15's) and `telemetry status`, which prints them with the
 * last upload, as the Python module does (`json.dumps(..., indent=4, sort_keys=True)`, whatever
 * `-f` asks). mgrd sends no reports: `telemetry on|off|send|show` are not carried, so the
 * module never claims to be uploading what it does not.
 *
 * @module
 */
import { HandleCommandResult, MgrModule, Option, pythonJson } from "mgr_module";

/** The telemetry module. */
export class Module extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({ name: "url", type: "str", default: "https://telemetry.ceph.com/report" }),
    Option({ name: "device_url", type: "str", default: "https://telemetry.ceph.com/device" }),
    Option({ name: "enabled", type: "bool", default: false }),
    Option({ name: "last_opt_revision", type: "int", default: 1 }),
    Option({ name: "leaderboard", type: "bool", default: false }),
    Option({ name: "description", type: "str", default: null }),
    Option({ name: "contact", type: "str", default: null }),
    Option({ name: "organization", type: "str", default: null }),
    Option({ name: "proxy", type: "str", default: null }),
    Option({ name: "interval", type: "int", default: 24, min: 8 }),
    Option({
      name: "channel_basic",
      type: "bool",
      default: true,
      desc: "Share basic cluster information (size, version)",
    }),
    Option({ name: "channel_ident", type: "bool", default: false }),
    Option({ name: "channel_crash", type: "bool", default: true }),
    Option({ name: "channel_device", type: "bool", default: true }),
  ];

  static override COMMANDS = [
    { cmd: "telemetry status", desc: "Show current configuration", perm: "r" },
  ];

  override handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): HandleCommandResult {
    if (cmd.prefix !== "telemetry status") {
      return new HandleCommandResult(-22, "", `Command not found '${String(cmd.prefix)}'`);
    }
    const r: Record<string, unknown> = {};
    // Every option of the module, the ones each module has (log_level, ...) included.
    for (const name of this._options().keys()) r[name] = this.get_module_option(name);
    // The store keeps the last upload's time; mgrd, which uploads nothing, never writes it.
    const last = this.get_store("last_upload");
    r.last_upload = last === null || last === undefined ? null : pythonCtime(Number(last));
    return new HandleCommandResult(0, pythonJson(r, "json-pretty") + "\n", "");
  }
}

/** Python's `time.ctime(t)` in UTC: `Thu Dec  3 10:50:29 2026`. */
function pythonCtime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${
    String(d.getUTCDate()).padStart(2)
  } ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${
      p2(d.getUTCSeconds())
    } ${d.getUTCFullYear()}`;
}
