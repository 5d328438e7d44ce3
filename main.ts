/**
 * mgrd's command line. Each subcommand loads only what it needs, so that `mgrd ceph` starts
 * fast.
 *
 * @module
 */

const USAGE = `usage: mgrd <command> [options]

commands:
  serve    run the manager daemon on the embedded cluster (mgrd serve --help)
  ceph     run a command on the daemon, like the ceph CLI (mgrd ceph --help)
  sim      run simulator scenarios with the manager and its modules (mgrd sim --help)
  module   test a module in simulated clusters (mgrd module test --help)
`;

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  switch (command) {
    case "serve": {
      const { serveMain, SERVE_USAGE } = await import("./daemon/serve.ts");
      if (rest.includes("--help") || rest.includes("-h")) {
        console.log(`usage: mgrd serve [options]\n${SERVE_USAGE}`);
        break;
      }
      await serveMain(rest);
      break;
    }
    case "ceph": {
      const { cephMain } = await import("./core/client/ceph_cli.ts");
      Deno.exit(await cephMain(rest));
      break;
    }
    case "sim": {
      const { simMain } = await import("./sim/cli.ts");
      Deno.exit(await simMain(rest));
      break;
    }
    case "module": {
      const { moduleTestMain } = await import("./sim/module_test/cli.ts");
      Deno.exit(await moduleTestMain(rest));
      break;
    }
    // Not in the usage: the process one module runs in (daemon/module_processes.ts), which the
    // daemon starts from this binary when it is compiled.
    case "__module-host": {
      const { moduleProcessMain } = await import("./core/module_worker/process_main.ts");
      await moduleProcessMain();
      break;
    }
    case undefined:
    case "-h":
    case "--help":
    case "help":
      console.log(USAGE);
      break;
    default:
      console.error(`mgrd: unknown command '${command}'\n\n${USAGE}`);
      Deno.exit(22);
  }
}
