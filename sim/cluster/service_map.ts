/**
 * `get("service_map")`: Ceph's ServiceMap (ServiceMap::dump), the registry of daemons that
 * announce themselves to the manager (rgw, rbd-mirror, iscsi, cephfs-mirror, ...). OSDs, mons
 * and MDS daemons are not in it; the simulated cluster runs none of those services, so its
 * map is the one a fresh cluster's mon creates: epoch 1, stamped at creation, no services.
 *
 * @module
 */

import { cephStamp } from "../../ceph/time.ts";
import type { OsdMap } from "./osd_map.ts";
import type { Json } from "./osd_map_dump.ts";

/**
 * The service map of the simulated cluster: `{epoch, modified, services}`.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { dumpServiceMap } from "./service_map.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 1, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const m = dumpServiceMap(c.map) as { epoch: number; services: object };
 * if (m.epoch !== 1 || Object.keys(m.services).length !== 0) throw new Error();
 * ```
 */
export function dumpServiceMap(map: OsdMap): Json {
  return { epoch: 1, modified: cephStamp(map.created), services: {} };
}
