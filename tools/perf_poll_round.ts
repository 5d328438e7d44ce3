/**
 * The figures of the link's perf poll rounds on a real cluster: the daemons the link polls
 * (up OSDs, mons in quorum, up MDSs of the FSMap, the real active ceph-mgr), the time of the
 * first round (schemas and dumps) and of the next ones (dumps only), requests, reply bytes and
 * counters per daemon, through the same PerfPoller and bindings as link/real_cluster.ts.
 *
 *   deno run -A tools/perf_poll_round.ts --ceph-conf FILE [--keyring FILE] [--rounds N]
 *                                        [--concurrency N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PerfPoller } from "../link/perf_poller.ts";
import { upMdsNames } from "../link/real_cluster.ts";
import { type CommandReply, connectRados } from "../rados/librados.ts";
import { connectCephFs } from "../rados/libcephfs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "ceph-conf": { type: "string" },
    keyring: { type: "string" },
    rounds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "4" },
  },
});
const conf = values["ceph-conf"];
if (!conf) {
  console.error("usage: perf_poll_round.ts --ceph-conf FILE [--keyring FILE] [--rounds N]");
  Deno.exit(22);
}
const options = { confFile: conf, keyring: values.keyring, conf: { admin_socket: "" } };
await using rados = await connectRados(options);
await using fs = await connectCephFs(options);
const json = async <T>(cmd: Record<string, unknown>) =>
  (await rados.monCommand({ ...cmd, format: "json" })).json<T>();
const osds = (await json<{ osds: { osd: number; up: number }[] }>({ prefix: "osd dump" })).osds;
const quorum = (await json<{ quorum_names: string[] }>({ prefix: "quorum_status" })).quorum_names;
const mgr = (await json<{ active_name: string }>({ prefix: "mgr stat" })).active_name;
const daemons = [
  ...osds.filter((o) => o.up === 1).map((o) => `osd.${o.osd}`),
  ...quorum.map((n) => `mon.${n}`),
  ...upMdsNames(await json({ prefix: "fs dump" })).map((n) => `mds.${n}`),
  ...(mgr ? [`mgr.${mgr}`] : []),
];

let requests = 0, bytes = 0;
const poller = new PerfPoller({
  async tell(daemon, prefix) {
    requests++;
    const [type, id] = [
      daemon.slice(0, daemon.indexOf(".")),
      daemon.slice(daemon.indexOf(".") + 1),
    ];
    const cmd = { prefix, format: "json" };
    const reply: CommandReply = type === "osd"
      ? await rados.osdCommand(Number(id), cmd)
      : type === "mon"
      ? await rados.monCommandTarget(id, cmd)
      : type === "mgr"
      ? await rados.mgrCommandTarget(id, cmd)
      : await fs.mdsCommand(id, cmd);
    bytes += reply.outbuf.length;
    return reply.json();
  },
}, Number(values.concurrency));

console.log(`daemons: ${daemons.join(" ")} (concurrency ${values.concurrency})`);
for (let round = 0; round < Number(values.rounds); round++) {
  requests = 0;
  bytes = 0;
  const t0 = performance.now();
  const reports = await poller.poll(daemons, Date.now() / 1000);
  const ms = performance.now() - t0;
  const counters = reports.map((r) => r.daemons.map((d) => `${d}=${r.schema.size}`).join(" ")).join(
    " ",
  );
  console.log(
    `round ${round + 1}: ${ms.toFixed(1)} ms, ${requests} requests, ${
      (bytes / 1024).toFixed(0)
    } KiB of replies, ${reports.length} schemas; counters ${counters}`,
  );
}
