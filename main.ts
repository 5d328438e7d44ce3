/**
 * mgrd's command line: `mgrd serve` runs the daemon on its embedded cluster.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DaemonLog } from "./core/logging.ts";
import { Manager } from "./core/manager.ts";
import { ALWAYS_ON_MODULES, BUILTIN_MODULES } from "./modules/mod.ts";
import { EmbeddedMon } from "./sim/mon/mon.ts";
import { MonLink } from "./sim/mon/mon_link.ts";
import { WallClock } from "./sim/wall_clock.ts";

const USAGE = `usage: mgrd <command> [options]

commands:
  serve    run the manager daemon on the embedded cluster
           --id ID                  daemon id (default x)
           --data-dir DIR           data directory (default ./mgrd-data)
           --mgr-module-path DIR    a folder of module folders (repeatable)
           --initial-modules "A B"  modules enabled when the data dir is new (default hello)
`;

function fail(message: string): never {
  console.error(`mgrd: ${message}\n\n${USAGE}`);
  Deno.exit(22);
}

/** `mgrd serve`: the daemon, until SIGINT or SIGTERM. */
async function serve(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        id: { type: "string", default: "x" },
        "data-dir": { type: "string", default: "./mgrd-data" },
        "mgr-module-path": { type: "string", multiple: true, default: [] },
        "initial-modules": { type: "string", default: "hello" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { id } = parsed.values;
  const dataDir = parsed.values["data-dir"];
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
    fail(`--id '${id}' may hold only letters, digits, '_', '.' and '-'`);
  }
  Deno.mkdirSync(`${dataDir}/mon`, { recursive: true });

  const clock = new WallClock();
  const log = new DaemonLog({ daemonName: `mgr.${id}`, id, dir: `${dataDir}/log`, stderr: true });
  const daemonLog = log.daemonLogger();
  const mon = EmbeddedMon.open(`${dataDir}/mon/store.db`, {
    alwaysOnModules: [...ALWAYS_ON_MODULES],
    initialModules: parsed.values["initial-modules"].split(/[\s,;]+/).filter(Boolean),
    now: () => clock.now(),
  });
  const link = new MonLink(mon, clock);
  const configuredPaths = mon.configEntries()
    .filter((e) =>
      e.name === "mgr_module_path" && ["global", "mgr", `mgr.${id}`].includes(e.section)
    )
    .flatMap((e) => e.value.split(/[\s,;]+/))
    .filter(Boolean);
  const manager = await Manager.start({
    id,
    clock,
    link,
    log,
    builtins: BUILTIN_MODULES,
    modulePaths: [...parsed.values["mgr-module-path"], ...configuredPaths],
  });
  daemonLog.info(
    `mgr.${id} active; data in ${dataDir}; running ${
      manager.host.activeNames().join(", ") || "no modules"
    }`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemonLog.info(`received ${signal}, shutting down`);
    await manager.stop();
    mon.close();
    log.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
}

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  switch (command) {
    case "serve":
      await serve(rest);
      break;
    case undefined:
    case "-h":
    case "--help":
    case "help":
      console.log(USAGE);
      break;
    default:
      fail(`unknown command '${command}'`);
  }
}
