/**
 * `ceph pg <pgid> query`, answered by the PG's primary OSD, in the shape a 16.2.15 OSD gives it
 * (PrimaryLogPG::do_command's `query`: the PG's state, up and acting sets, its pg_info_t with
 * the pg_stat_t, the peers' infos, the recovery state machine, the scrubber), checked against a
 * real cluster (tests/ceph-reference/cli/commands/pg_2.0_query.txt). What the simulator models
 * is filled in from its PG table: the state, the sets, object and byte counts, IO counts,
 * degraded and misplaced copies, the interval's epoch and the stamps. The rest holds the values
 * an idle, never-scrubbed PG has on a real OSD (snap trim queue, log tail, scrub stamps at the
 * cluster's creation, the backfill and hit-set sections); the peers' stats are the empty
 * pg_stat_t the real primary shows too. The history's epochs are all the interval's, since the
 * simulator keeps one epoch per interval.
 *
 * @module
 */
import { PgState, pgStateString } from "../../ceph/pg_state.ts";
import { STAT_SUM_INDEX, zeroStatSum } from "../../ceph/pg_stat.ts";
import { utimeText } from "../../ceph/time.ts";
import type { SimCluster } from "./cluster.ts";

type Obj = Record<string, unknown>;

/** A pg_stat_t with nothing in it, as an OSD dumps a peer's it has no stats for. */
function emptyStats(): Obj {
  return {
    version: "0'0",
    reported_seq: 0,
    reported_epoch: 0,
    state: "unknown",
    last_fresh: utimeText(0),
    last_change: utimeText(0),
    last_active: utimeText(0),
    last_peered: utimeText(0),
    last_clean: utimeText(0),
    last_became_active: utimeText(0),
    last_became_peered: utimeText(0),
    last_unstale: utimeText(0),
    last_undegraded: utimeText(0),
    last_fullsized: utimeText(0),
    mapping_epoch: 0,
    log_start: "0'0",
    ondisk_log_start: "0'0",
    created: 0,
    last_epoch_clean: 0,
    parent: "0.0",
    parent_split_bits: 0,
    last_scrub: "0'0",
    last_scrub_stamp: utimeText(0),
    last_deep_scrub: "0'0",
    last_deep_scrub_stamp: utimeText(0),
    last_clean_scrub_stamp: utimeText(0),
    log_size: 0,
    ondisk_log_size: 0,
    stats_invalid: false,
    dirty_stats_invalid: false,
    omap_stats_invalid: false,
    hitset_stats_invalid: false,
    hitset_bytes_stats_invalid: false,
    pin_stats_invalid: false,
    manifest_stats_invalid: false,
    snaptrimq_len: 0,
    stat_sum: zeroStatSum(),
    up: [],
    acting: [],
    avail_no_missing: [],
    object_location_counts: [],
    blocked_by: [],
    up_primary: -1,
    acting_primary: -1,
    purged_snaps: [],
  };
}

/**
 * The `query` of PG index `p` of the cluster's PG table, as its primary answers it.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { pgQuery } from "./pg_query.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 1, osdsPerHost: 3, pools: [{ name: "p", pgNum: 8 }] });
 * await s.runFor(10);
 * const q = pgQuery(c, c.pgs.index(1, 0)) as { info: { pgid: string } };
 * if (q.info.pgid !== "1.0") throw new Error(JSON.stringify(q));
 * ```
 */
export function pgQuery(c: SimCluster, p: number): Obj {
  const pgs = c.pgs, map = c.map, io = c.io;
  const up = pgs.members(pgs.up, pgs.upN, p);
  const acting = pgs.members(pgs.acting, pgs.actingN, p);
  const primary = acting[0] ?? -1;
  const s = pgs.state[p]!;
  const pool = pgs.poolOf(p);
  const objects = pgs.objects[p]!, bytes = pgs.bytes[p]!;
  const interval = pgs.intervalEpoch[p]!, created = pgs.createdEpoch[p]!;
  const change = pgs.lastChange[p]!;
  const active = s & PgState.ACTIVE ? (pgs.lastActive[p]! || change) : pgs.lastActive[p]!;
  const clean = s & PgState.CLEAN ? (pgs.lastClean[p]! || change) : pgs.lastClean[p]!;
  const now = c.scheduler.now;
  const scrub = utimeText(map.created);
  const version = `${interval}'${objects}`;
  const recovered = Math.round(pgs.recovered[p]!);
  const sum = zeroStatSum();
  const set = (k: keyof typeof STAT_SUM_INDEX, v: number) => (sum[k] = v);
  set("num_bytes", bytes);
  set("num_objects", objects);
  set("num_object_copies", objects * pool.size);
  set("num_objects_degraded", pgs.degradedObjects(p, pool.size));
  set("num_objects_misplaced", pgs.misplacedObjects(p, pool.size));
  set("num_objects_dirty", objects);
  set("num_read", Math.round(io.numRead[p] ?? 0));
  set("num_read_kb", Math.round((io.readBytes[p] ?? 0) / 1024));
  set("num_write", objects + Math.round(io.numWrite[p] ?? 0));
  set("num_write_kb", Math.round((bytes + (io.writeBytes[p] ?? 0)) / 1024));
  set("num_objects_recovered", recovered);
  set("num_bytes_recovered", recovered * pgs.options.objectSize);
  const state = pgStateString(s);
  const history = (own: boolean): Obj => ({
    epoch_created: created,
    epoch_pool_created: created,
    last_epoch_started: interval,
    last_interval_started: interval,
    last_epoch_clean: interval,
    last_interval_clean: interval,
    last_epoch_split: 0,
    last_epoch_marked_full: 0,
    // Only the primary's own info knows when its sets last changed.
    same_up_since: own ? interval : 0,
    same_interval_since: own ? interval : 0,
    same_primary_since: own ? interval : 0,
    last_scrub: "0'0",
    last_scrub_stamp: scrub,
    last_deep_scrub: "0'0",
    last_deep_scrub_stamp: scrub,
    last_clean_scrub_stamp: scrub,
    prior_readable_until_ub: 0,
  });
  const undegraded = s & PgState.DEGRADED ? change : now;
  const fullsized = s & PgState.UNDERSIZED ? change : now;
  const stats: Obj = {
    ...emptyStats(),
    version,
    reported_seq: pgs.reportedSeq[p]!,
    reported_epoch: map.epoch,
    state,
    last_fresh: utimeText(now),
    last_change: utimeText(change),
    last_active: utimeText(active),
    last_peered: utimeText(active),
    last_clean: utimeText(clean),
    last_became_active: utimeText(active),
    last_became_peered: utimeText(active),
    last_unstale: utimeText(now),
    last_undegraded: utimeText(undegraded),
    last_fullsized: utimeText(fullsized),
    mapping_epoch: interval,
    created,
    last_epoch_clean: interval,
    last_scrub_stamp: scrub,
    last_deep_scrub_stamp: scrub,
    last_clean_scrub_stamp: scrub,
    log_size: objects,
    ondisk_log_size: objects,
    stat_sum: sum,
    up,
    acting,
    up_primary: up[0] ?? -1,
    acting_primary: primary,
  };
  const info = (own: boolean): Obj => ({
    pgid: pgs.pgid(p),
    last_update: version,
    last_complete: version,
    log_tail: "0'0",
    last_user_version: own ? objects : 0,
    last_backfill: "MAX",
    purged_snaps: [],
    history: history(own),
    stats: own ? stats : emptyStats(),
    empty: objects === 0 ? 1 : 0,
    dne: 0,
    incomplete: s & PgState.INCOMPLETE ? 1 : 0,
    last_epoch_started: interval,
    hit_set_history: { current_last_update: "0'0", history: [] },
  });
  const peers = [...new Set([...up, ...acting])].filter((o) => o !== primary).sort((a, b) => a - b);
  const activeState = s & PgState.ACTIVE
    ? [{
      name: "Started/Primary/Active",
      enter_time: utimeText(active),
      might_have_unfound: [],
      recovery_progress: {
        backfill_targets: [],
        waiting_on_backfill: [],
        last_backfill_started: "MIN",
        backfill_info: { begin: "MIN", end: "MIN", objects: [] },
        peer_backfill_info: [],
        backfills_in_flight: [],
        recovering: [],
        pg_backend: { pull_from_peer: [], pushing: [] },
      },
    }]
    : [{ name: "Started/Primary/Peering", enter_time: utimeText(change) }];
  return {
    snap_trimq: "[]",
    snap_trimq_len: 0,
    state,
    epoch: map.epoch,
    up,
    acting,
    acting_recovery_backfill: [...new Set([...up, ...acting])].sort((a, b) => a - b)
      .map(String),
    info: info(true),
    peer_info: peers.map((o) => ({ peer: String(o), ...info(false) })),
    recovery_state: [...activeState, { name: "Started", enter_time: utimeText(change) }],
    scrubber: { epoch_start: "0", active: false },
    agent_state: {},
  };
}
