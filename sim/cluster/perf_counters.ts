/**
 * Perf counters as daemons report them to the manager: schemas shared per daemon type and
 * values in typed arrays, one row per daemon.
 *
 * A schema lists counters with Ceph's type bits (`PERFCOUNTER_U64 | PERFCOUNTER_COUNTER` = 10,
 * `PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG` = 5, ...), priorities and units. The OSD and mon
 * schemas are the counters a Pacific daemon sends the manager (priority >= mgr_stats_threshold),
 * as captured in ceph-reference/get/get_perf_schema_*.json.
 *
 * A {@linkcode PerfReport} carries one `mgr_stats_period` for one daemon type: `values` holds
 * `rows x schema.size` numbers (a long-running average's sum, in nanoseconds for times), `counts`
 * holds the matching counts of long-running averages (0 elsewhere). The manager can ingest a
 * report with one `Float64Array.set()` per row, or keep the whole block.
 *
 * @module
 */

import type { Json } from "./osd_map_dump.ts";

/** Ceph's `perfcounter_type_d` bits. */
export const PerfType = {
  NONE: 0,
  TIME: 1,
  U64: 2,
  LONGRUNAVG: 4,
  COUNTER: 8,
  HISTOGRAM: 0x10,
} as const;

/** Ceph's `unit_t`: 0 = bytes, 1 = none. */
export const PerfUnit = { BYTES: 0, NONE: 1 } as const;

type _Row = readonly [string, string, string, number, number, number];

const _OSD: readonly _Row[] = [
  ["objecter.op_active", "Operations active", "actv", 2, 10, 1],
  ["objecter.op_r", "Read operations", "rd", 10, 10, 1],
  ["objecter.op_rmw", "Read-modify-write operations", "rdwr", 10, 8, 1],
  ["objecter.op_w", "Write operations", "wr", 10, 10, 1],
  ["osd.numpg", "Placement groups", "pgs", 2, 5, 1],
  ["osd.numpg_removing", "Placement groups queued for local deletion", "pgsr", 2, 5, 1],
  ["osd.op", "Client operations", "ops", 10, 10, 1],
  ["osd.op_in_bytes", "Client operations total write size", "wr", 10, 8, 0],
  ["osd.op_latency", "Latency of client operations (including queue time)", "l", 5, 9, 1],
  ["osd.op_out_bytes", "Client operations total read size", "rd", 10, 8, 0],
  [
    "osd.op_prepare_latency",
    "Latency of client operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_process_latency", "Latency of client operations (excluding queue time)", "", 5, 5, 1],
  ["osd.op_r", "Client read operations", "", 10, 5, 1],
  ["osd.op_r_latency", "Latency of read operation (including queue time)", "", 5, 5, 1],
  [
    "osd.op_r_latency_out_bytes_histogram",
    "Histogram of operation latency (including queue time) + data read",
    "",
    26,
    5,
    1,
  ],
  ["osd.op_r_out_bytes", "Client data read", "", 10, 5, 0],
  [
    "osd.op_r_prepare_latency",
    "Latency of read operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_r_process_latency", "Latency of read operation (excluding queue time)", "", 5, 5, 1],
  ["osd.op_rw", "Client read-modify-write operations", "", 10, 5, 1],
  ["osd.op_rw_in_bytes", "Client read-modify-write operations write in", "", 10, 5, 0],
  [
    "osd.op_rw_latency",
    "Latency of read-modify-write operation (including queue time)",
    "",
    5,
    5,
    1,
  ],
  [
    "osd.op_rw_latency_in_bytes_histogram",
    "Histogram of rw operation latency (including queue time) + data written",
    "",
    26,
    5,
    1,
  ],
  [
    "osd.op_rw_latency_out_bytes_histogram",
    "Histogram of rw operation latency (including queue time) + data read",
    "",
    26,
    5,
    1,
  ],
  ["osd.op_rw_out_bytes", "Client read-modify-write operations read out ", "", 10, 5, 0],
  [
    "osd.op_rw_prepare_latency",
    "Latency of read-modify-write operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  [
    "osd.op_rw_process_latency",
    "Latency of read-modify-write operation (excluding queue time)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_w", "Client write operations", "", 10, 5, 1],
  ["osd.op_w_in_bytes", "Client data written", "", 10, 5, 1],
  ["osd.op_w_latency", "Latency of write operation (including queue time)", "", 5, 5, 1],
  [
    "osd.op_w_latency_in_bytes_histogram",
    "Histogram of operation latency (including queue time) + data written",
    "",
    26,
    5,
    1,
  ],
  [
    "osd.op_w_prepare_latency",
    "Latency of write operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_w_process_latency", "Latency of write operation (excluding queue time)", "", 5, 5, 1],
  ["osd.op_wip", "Replication operations currently being processed (primary)", "", 2, 5, 1],
  ["osd.recovery_bytes", "recovery bytes", "rbt", 10, 8, 1],
  ["osd.recovery_ops", "Started recovery operations", "rop", 10, 8, 1],
  ["osd.stat_bytes", "OSD size", "size", 2, 5, 0],
  ["osd.stat_bytes_used", "Used space", "used", 2, 5, 0],
];

const _MON: readonly _Row[] = [
  ["mon.election_call", "Elections started", "estt", 10, 8, 1],
  ["mon.election_lose", "Elections lost", "elst", 10, 8, 1],
  ["mon.election_win", "Elections won", "ewon", 10, 8, 1],
  ["mon.num_elections", "Elections participated in", "ecnt", 10, 5, 1],
  ["mon.num_sessions", "Open sessions", "sess", 2, 5, 1],
  ["mon.session_add", "Created sessions", "sadd", 10, 8, 1],
  ["mon.session_rm", "Removed sessions", "srm", 10, 8, 1],
  ["mon.session_trim", "Trimmed sessions", "strm", 10, 5, 1],
  ["paxos.accept_timeout", "Accept timeouts", "", 10, 5, 1],
  ["paxos.begin", "Started and handled begins", "", 10, 5, 1],
  ["paxos.begin_bytes", "Data in transaction on begin", "", 6, 5, 0],
  ["paxos.begin_keys", "Keys in transaction on begin", "", 6, 5, 1],
  ["paxos.begin_latency", "Latency of begin operation", "", 5, 5, 1],
  ["paxos.collect", "Peon collects", "", 10, 5, 1],
  ["paxos.collect_bytes", "Data in transaction on peon collect", "", 6, 5, 0],
  ["paxos.collect_keys", "Keys in transaction on peon collect", "", 6, 5, 1],
  ["paxos.collect_latency", "Peon collect latency", "", 5, 5, 1],
  ["paxos.collect_timeout", "Collect timeouts", "", 10, 5, 1],
  ["paxos.collect_uncommitted", "Uncommitted values in started and handled collects", "", 10, 5, 1],
  ["paxos.commit", "Commits", "cmt", 10, 5, 1],
  ["paxos.commit_bytes", "Data in transaction on commit", "", 6, 5, 0],
  ["paxos.commit_keys", "Keys in transaction on commit", "", 6, 5, 1],
  ["paxos.commit_latency", "Commit latency", "clat", 5, 5, 1],
  ["paxos.lease_ack_timeout", "Lease acknowledgement timeouts", "", 10, 5, 1],
  ["paxos.lease_timeout", "Lease timeouts", "", 10, 5, 1],
  ["paxos.new_pn", "New proposal number queries", "", 10, 5, 1],
  ["paxos.new_pn_latency", "New proposal number getting latency", "", 5, 5, 1],
  ["paxos.refresh", "Refreshes", "", 10, 5, 1],
  ["paxos.refresh_latency", "Refresh latency", "", 5, 5, 1],
  ["paxos.restart", "Restarts", "", 10, 5, 1],
  ["paxos.share_state", "Sharings of state", "", 10, 5, 1],
  ["paxos.share_state_bytes", "Data in shared state", "", 6, 5, 0],
  ["paxos.share_state_keys", "Keys in shared state", "", 6, 5, 1],
  ["paxos.start_leader", "Starts in leader role", "", 10, 5, 1],
  ["paxos.start_peon", "Starts in peon role", "", 10, 5, 1],
  ["paxos.store_state", "Store a shared state on disk", "", 10, 5, 1],
  ["paxos.store_state_bytes", "Data in transaction in stored state", "", 6, 5, 0],
  ["paxos.store_state_keys", "Keys in transaction in stored state", "", 6, 5, 1],
  ["paxos.store_state_latency", "Storing state latency", "", 5, 5, 1],
  ["prioritycache.cache_bytes", "current memory available for caches.", "c", 2, 8, 0],
  ["prioritycache.heap_bytes", "aggregate bytes in use by the heap", "h", 2, 8, 0],
  ["prioritycache.mapped_bytes", "total bytes mapped by the process", "m", 2, 8, 0],
  ["prioritycache.target_bytes", "target process memory usage in bytes", "t", 2, 8, 0],
  [
    "prioritycache.unmapped_bytes",
    "unmapped bytes that the kernel has yet to reclaimed",
    "u",
    2,
    8,
    0,
  ],
  ["prioritycache:full.committed_bytes", "total bytes committed,", "c", 2, 5, 0],
  ["prioritycache:full.pri0_bytes", "bytes allocated to pri0", "p0", 2, 5, 0],
  ["prioritycache:full.pri10_bytes", "bytes allocated to pri10", "p10", 2, 5, 0],
  ["prioritycache:full.pri11_bytes", "bytes allocated to pri11", "p11", 2, 5, 0],
  ["prioritycache:full.pri1_bytes", "bytes allocated to pri1", "p1", 2, 5, 0],
  ["prioritycache:full.pri2_bytes", "bytes allocated to pri2", "p2", 2, 5, 0],
  ["prioritycache:full.pri3_bytes", "bytes allocated to pri3", "p3", 2, 5, 0],
  ["prioritycache:full.pri4_bytes", "bytes allocated to pri4", "p4", 2, 5, 0],
  ["prioritycache:full.pri5_bytes", "bytes allocated to pri5", "p5", 2, 5, 0],
  ["prioritycache:full.pri6_bytes", "bytes allocated to pri6", "p6", 2, 5, 0],
  ["prioritycache:full.pri7_bytes", "bytes allocated to pri7", "p7", 2, 5, 0],
  ["prioritycache:full.pri8_bytes", "bytes allocated to pri8", "p8", 2, 5, 0],
  ["prioritycache:full.pri9_bytes", "bytes allocated to pri9", "p9", 2, 5, 0],
  ["prioritycache:full.reserved_bytes", "bytes reserved for future growth.", "r", 2, 5, 0],
  ["prioritycache:inc.committed_bytes", "total bytes committed,", "c", 2, 5, 0],
  ["prioritycache:inc.pri0_bytes", "bytes allocated to pri0", "p0", 2, 5, 0],
  ["prioritycache:inc.pri10_bytes", "bytes allocated to pri10", "p10", 2, 5, 0],
  ["prioritycache:inc.pri11_bytes", "bytes allocated to pri11", "p11", 2, 5, 0],
  ["prioritycache:inc.pri1_bytes", "bytes allocated to pri1", "p1", 2, 5, 0],
  ["prioritycache:inc.pri2_bytes", "bytes allocated to pri2", "p2", 2, 5, 0],
  ["prioritycache:inc.pri3_bytes", "bytes allocated to pri3", "p3", 2, 5, 0],
  ["prioritycache:inc.pri4_bytes", "bytes allocated to pri4", "p4", 2, 5, 0],
  ["prioritycache:inc.pri5_bytes", "bytes allocated to pri5", "p5", 2, 5, 0],
  ["prioritycache:inc.pri6_bytes", "bytes allocated to pri6", "p6", 2, 5, 0],
  ["prioritycache:inc.pri7_bytes", "bytes allocated to pri7", "p7", 2, 5, 0],
  ["prioritycache:inc.pri8_bytes", "bytes allocated to pri8", "p8", 2, 5, 0],
  ["prioritycache:inc.pri9_bytes", "bytes allocated to pri9", "p9", 2, 5, 0],
  ["prioritycache:inc.reserved_bytes", "bytes reserved for future growth.", "r", 2, 5, 0],
  ["prioritycache:kv.committed_bytes", "total bytes committed,", "c", 2, 5, 0],
  ["prioritycache:kv.pri0_bytes", "bytes allocated to pri0", "p0", 2, 5, 0],
  ["prioritycache:kv.pri10_bytes", "bytes allocated to pri10", "p10", 2, 5, 0],
  ["prioritycache:kv.pri11_bytes", "bytes allocated to pri11", "p11", 2, 5, 0],
  ["prioritycache:kv.pri1_bytes", "bytes allocated to pri1", "p1", 2, 5, 0],
  ["prioritycache:kv.pri2_bytes", "bytes allocated to pri2", "p2", 2, 5, 0],
  ["prioritycache:kv.pri3_bytes", "bytes allocated to pri3", "p3", 2, 5, 0],
  ["prioritycache:kv.pri4_bytes", "bytes allocated to pri4", "p4", 2, 5, 0],
  ["prioritycache:kv.pri5_bytes", "bytes allocated to pri5", "p5", 2, 5, 0],
  ["prioritycache:kv.pri6_bytes", "bytes allocated to pri6", "p6", 2, 5, 0],
  ["prioritycache:kv.pri7_bytes", "bytes allocated to pri7", "p7", 2, 5, 0],
  ["prioritycache:kv.pri8_bytes", "bytes allocated to pri8", "p8", 2, 5, 0],
  ["prioritycache:kv.pri9_bytes", "bytes allocated to pri9", "p9", 2, 5, 0],
  ["prioritycache:kv.reserved_bytes", "bytes reserved for future growth.", "r", 2, 5, 0],
  ["rocksdb.compact", "Compactions", "", 10, 5, 1],
  ["rocksdb.compact_queue_len", "Length of compaction queue", "", 2, 5, 1],
  ["rocksdb.compact_queue_merge", "Mergings of ranges in compaction queue", "", 10, 5, 1],
  ["rocksdb.compact_range", "Compactions by range", "", 10, 5, 1],
  ["rocksdb.get", "Gets", "", 10, 5, 1],
  ["rocksdb.get_latency", "Get latency", "", 5, 5, 1],
  ["rocksdb.rocksdb_write_delay_time", "Rocksdb write delay time", "", 5, 5, 1],
  ["rocksdb.rocksdb_write_memtable_time", "Rocksdb write memtable time", "", 5, 5, 1],
  [
    "rocksdb.rocksdb_write_pre_and_post_time",
    "total time spent on writing a record, excluding write process",
    "",
    5,
    5,
    1,
  ],
  ["rocksdb.rocksdb_write_wal_time", "Rocksdb write wal time", "", 5, 5, 1],
  ["rocksdb.submit_latency", "Submit Latency", "", 5, 5, 1],
  ["rocksdb.submit_sync_latency", "Submit Sync Latency", "", 5, 5, 1],
];

/**
 * What a BlueStore OSD reports besides the memstore OSD captured in the reference (its
 * bluestore and bluefs subsystems, Pacific's names and descriptions, at PRIO_USEFUL): the
 * counters Ceph's OSD dashboards and the mixin's rules read.
 */
const _BLUESTORE: readonly _Row[] = [
  ["bluefs.bytes_written_slow", "Bytes written to WAL/SSTs at slow device", "", 10, 5, 0],
  ["bluefs.bytes_written_sst", "Bytes written to SSTs", "sstb", 10, 5, 0],
  ["bluefs.bytes_written_wal", "Bytes written to WAL", "walb", 10, 5, 0],
  ["bluefs.db_total_bytes", "Total bytes (main db device)", "b", 2, 5, 0],
  ["bluefs.db_used_bytes", "Used bytes (main db device)", "u", 2, 5, 0],
  ["bluefs.log_bytes", "Size of the metadata log", "jlen", 2, 5, 0],
  ["bluefs.logged_bytes", "Bytes written to the metadata log", "j", 10, 5, 0],
  ["bluefs.num_files", "File count", "f", 2, 5, 1],
  ["bluefs.slow_total_bytes", "Total bytes (slow device)", "", 2, 5, 0],
  ["bluefs.slow_used_bytes", "Used bytes (slow device)", "", 2, 5, 0],
  ["bluefs.wal_total_bytes", "Total bytes (wal device)", "walb", 2, 5, 0],
  ["bluefs.wal_used_bytes", "Used bytes (wal device)", "walu", 2, 5, 0],
  ["bluestore.commit_lat", "Average commit latency", "c_l", 5, 5, 1],
  ["bluestore.kv_final_lat", "Average kv_finalize thread latency", "kfll", 5, 5, 1],
  ["bluestore.kv_flush_lat", "Average kv_sync thread flush latency", "kfl", 5, 5, 1],
  ["bluestore.kv_sync_lat", "Average kv_sync thread latency", "ksl", 5, 5, 1],
  ["bluestore.onode_hits", "Count of onode cache lookup hits", "o_ht", 10, 5, 1],
  ["bluestore.onode_misses", "Count of onode cache lookup misses", "o_ms", 10, 5, 1],
  ["bluestore.read_lat", "Average read latency", "r_l", 5, 5, 1],
  ["bluestore.state_aio_wait_lat", "Average aio_wait state latency", "lat", 5, 5, 1],
  ["bluestore.submit_lat", "Average submit latency", "s_l", 5, 5, 1],
  ["bluestore.throttle_lat", "Average submit throttle latency", "t_l", 5, 5, 1],
];

/**
 * The counters of an MDS at PRIO_USEFUL and above, as the reference cluster's exporter page
 * (ceph-reference/prometheus/active_metrics.txt) shows them for mds.a.
 */
const _MDS: readonly _Row[] = [
  ["mds.caps", "Capabilities", "", 2, 5, 1],
  ["mds.ceph_cap_op_flush_ack", "caps truncate notify", "", 10, 5, 1],
  ["mds.ceph_cap_op_flushsnap_ack", "caps truncate notify", "", 10, 5, 1],
  ["mds.ceph_cap_op_grant", "Grant caps", "", 10, 5, 1],
  ["mds.ceph_cap_op_revoke", "Revoke caps", "", 10, 5, 1],
  ["mds.ceph_cap_op_trunc", "caps truncate notify", "", 10, 5, 1],
  ["mds.dir_commit", "Directory commit", "", 10, 5, 1],
  ["mds.dir_fetch", "Directory fetch", "", 10, 5, 1],
  ["mds.dir_merge", "Directory merge", "", 10, 5, 1],
  ["mds.dir_split", "Directory split", "", 10, 5, 1],
  ["mds.exported_inodes", "Exported inodes", "", 10, 5, 1],
  ["mds.forward", "Forwarding request", "", 10, 5, 1],
  ["mds.handle_client_cap_release", "Client cap release msg", "", 10, 5, 1],
  ["mds.handle_client_caps", "Client caps msg", "", 10, 5, 1],
  ["mds.handle_client_caps_dirty", "Client dirty caps msg", "", 10, 5, 1],
  ["mds.handle_inode_file_caps", "Inter mds caps msg", "", 10, 5, 1],
  ["mds.imported_inodes", "Imported inodes", "", 10, 5, 1],
  ["mds.inodes", "Inodes", "", 2, 5, 1],
  ["mds.inodes_expired", "Inodes expired", "", 2, 5, 1],
  ["mds.inodes_pinned", "Inodes pinned", "", 2, 5, 1],
  ["mds.inodes_with_caps", "Inodes with capabilities", "", 2, 5, 1],
  ["mds.load_cent", "Load per cent", "", 2, 5, 1],
  ["mds.openino_dir_fetch", "OpenIno incomplete directory fetchings", "", 10, 5, 1],
  ["mds.process_request_cap_release", "Process request cap release", "", 10, 5, 1],
  ["mds.reply_latency", "Reply latency", "", 5, 5, 1],
  ["mds.request", "Requests", "", 10, 5, 1],
  ["mds.root_rbytes", "root inode rbytes", "", 2, 5, 1],
  ["mds.root_rfiles", "root inode rfiles", "", 2, 5, 1],
  ["mds.root_rsnaps", "root inode rsnaps", "", 2, 5, 1],
  ["mds.slow_reply", "Slow replies", "", 10, 5, 1],
  ["mds.subtrees", "Subtrees", "", 2, 5, 1],
  ["mds_cache.ireq_enqueue_scrub", "Internal Request type enqueue scrub", "", 10, 5, 1],
  ["mds_cache.ireq_exportdir", "Internal Request type export dir", "", 10, 5, 1],
  ["mds_cache.ireq_flush", "Internal Request type flush", "", 10, 5, 1],
  ["mds_cache.ireq_fragmentdir", "Internal Request type fragmentdir", "", 10, 5, 1],
  ["mds_cache.ireq_fragstats", "Internal Request type frag stats", "", 10, 5, 1],
  ["mds_cache.ireq_inodestats", "Internal Request type inode stats", "", 10, 5, 1],
  ["mds_cache.num_recovering_enqueued", "Files waiting for recovery", "", 2, 5, 1],
  [
    "mds_cache.num_recovering_prioritized",
    "Files waiting for recovery with elevated priority",
    "",
    2,
    5,
    1,
  ],
  ["mds_cache.num_recovering_processing", "Files currently being recovered", "", 2, 5, 1],
  ["mds_cache.num_strays", "Stray dentries", "", 2, 5, 1],
  ["mds_cache.num_strays_delayed", "Stray dentries delayed", "", 2, 5, 1],
  ["mds_cache.num_strays_enqueuing", "Stray dentries enqueuing for purge", "", 2, 5, 1],
  ["mds_cache.recovery_completed", "File recoveries completed", "", 10, 5, 1],
  ["mds_cache.recovery_started", "File recoveries started", "", 10, 5, 1],
  ["mds_cache.strays_created", "Stray dentries created", "", 10, 5, 1],
  ["mds_cache.strays_enqueued", "Stray dentries enqueued for purge", "", 10, 5, 1],
  ["mds_cache.strays_migrated", "Stray dentries migrated", "", 10, 5, 1],
  ["mds_cache.strays_reintegrated", "Stray dentries reintegrated", "", 10, 5, 1],
  ["mds_log.ev", "Events", "", 2, 5, 1],
  ["mds_log.evadd", "Events submitted", "", 10, 5, 1],
  ["mds_log.evex", "Total expired events", "", 10, 5, 1],
  ["mds_log.evexd", "Current expired events", "", 2, 5, 1],
  ["mds_log.evexg", "Expiring events", "", 2, 5, 1],
  ["mds_log.evtrm", "Trimmed events", "", 10, 5, 1],
  ["mds_log.jlat", "Journaler flush latency", "", 5, 5, 1],
  ["mds_log.replayed", "Events replayed", "", 10, 5, 1],
  ["mds_log.seg", "Segments", "", 2, 5, 1],
  ["mds_log.segadd", "Segments added", "", 10, 5, 1],
  ["mds_log.segex", "Total expired segments", "", 10, 5, 1],
  ["mds_log.segexd", "Current expired segments", "", 2, 5, 1],
  ["mds_log.segexg", "Expiring segments", "", 2, 5, 1],
  ["mds_log.segtrm", "Trimmed segments", "", 10, 5, 1],
  ["mds_mem.cap", "Capabilities", "", 2, 5, 1],
  ["mds_mem.cap+", "Capabilities added", "", 10, 5, 1],
  ["mds_mem.cap-", "Capabilities removed", "", 10, 5, 1],
  ["mds_mem.dir", "Directories", "", 2, 5, 1],
  ["mds_mem.dir+", "Directories opened", "", 10, 5, 1],
  ["mds_mem.dir-", "Directories closed", "", 10, 5, 1],
  ["mds_mem.dn", "Dentries", "", 2, 5, 1],
  ["mds_mem.dn+", "Dentries opened", "", 10, 5, 1],
  ["mds_mem.dn-", "Dentries closed", "", 10, 5, 1],
  ["mds_mem.heap", "Heap size", "", 2, 5, 1],
  ["mds_mem.ino", "Inodes", "", 2, 5, 1],
  ["mds_mem.ino+", "Inodes opened", "", 10, 5, 1],
  ["mds_mem.ino-", "Inodes closed", "", 10, 5, 1],
  ["mds_server.cap_acquisition_throttle", "Cap acquisition throttle counter", "", 10, 5, 1],
  ["mds_server.cap_revoke_eviction", "Cap Revoke Client Eviction", "", 10, 5, 1],
  ["mds_server.handle_client_request", "Client requests", "", 10, 5, 1],
  ["mds_server.handle_client_session", "Client session messages", "", 10, 5, 1],
  ["mds_server.handle_peer_request", "Peer requests", "", 10, 5, 1],
  ["mds_server.req_create_latency", "Request type create latency", "", 5, 5, 1],
  ["mds_server.req_getattr_latency", "Request type get attribute latency", "", 5, 5, 1],
  ["mds_server.req_getfilelock_latency", "Request type get file lock latency", "", 5, 5, 1],
  [
    "mds_server.req_getvxattr_latency",
    "Request type get virtual extended attribute latency",
    "",
    5,
    5,
    1,
  ],
  ["mds_server.req_link_latency", "Request type link latency", "", 5, 5, 1],
  ["mds_server.req_lookup_latency", "Request type lookup latency", "", 5, 5, 1],
  ["mds_server.req_lookuphash_latency", "Request type lookup hash of inode latency", "", 5, 5, 1],
  ["mds_server.req_lookupino_latency", "Request type lookup inode latency", "", 5, 5, 1],
  ["mds_server.req_lookupname_latency", "Request type lookup name latency", "", 5, 5, 1],
  ["mds_server.req_lookupparent_latency", "Request type lookup parent latency", "", 5, 5, 1],
  ["mds_server.req_lookupsnap_latency", "Request type lookup snapshot latency", "", 5, 5, 1],
  ["mds_server.req_lssnap_latency", "Request type list snapshot latency", "", 5, 5, 1],
  ["mds_server.req_mkdir_latency", "Request type make directory latency", "", 5, 5, 1],
  ["mds_server.req_mknod_latency", "Request type make node latency", "", 5, 5, 1],
  ["mds_server.req_mksnap_latency", "Request type make snapshot latency", "", 5, 5, 1],
  ["mds_server.req_open_latency", "Request type open latency", "", 5, 5, 1],
  ["mds_server.req_readdir_latency", "Request type read directory latency", "", 5, 5, 1],
  ["mds_server.req_rename_latency", "Request type rename latency", "", 5, 5, 1],
  ["mds_server.req_renamesnap_latency", "Request type rename snapshot latency", "", 5, 5, 1],
  ["mds_server.req_rmdir_latency", "Request type remove directory latency", "", 5, 5, 1],
  ["mds_server.req_rmsnap_latency", "Request type remove snapshot latency", "", 5, 5, 1],
  ["mds_server.req_rmxattr_latency", "Request type remove extended attribute latency", "", 5, 5, 1],
  ["mds_server.req_setattr_latency", "Request type set attribute latency", "", 5, 5, 1],
  ["mds_server.req_setdirlayout_latency", "Request type set directory layout latency", "", 5, 5, 1],
  ["mds_server.req_setfilelock_latency", "Request type set file lock latency", "", 5, 5, 1],
  ["mds_server.req_setlayout_latency", "Request type set file layout latency", "", 5, 5, 1],
  ["mds_server.req_setxattr_latency", "Request type set extended attribute latency", "", 5, 5, 1],
  ["mds_server.req_symlink_latency", "Request type symbolic link latency", "", 5, 5, 1],
  ["mds_server.req_unlink_latency", "Request type unlink latency", "", 5, 5, 1],
  ["mds_sessions.average_load", "Average Load", "", 2, 5, 1],
  ["mds_sessions.avg_session_uptime", "Average session uptime", "", 2, 5, 1],
  ["mds_sessions.mdthresh_evicted", "Sessions evicted on reaching metadata threshold", "", 2, 5, 1],
  ["mds_sessions.session_add", "Sessions added", "", 10, 5, 1],
  ["mds_sessions.session_count", "Session count", "", 2, 5, 1],
  ["mds_sessions.session_remove", "Sessions removed", "", 10, 5, 1],
  ["mds_sessions.sessions_open", "Sessions currently open", "", 2, 5, 1],
  ["mds_sessions.sessions_stale", "Sessions currently stale", "", 2, 5, 1],
  ["mds_sessions.total_load", "Total Load", "", 2, 5, 1],
  ["objecter.op_active", "Operations active", "", 2, 5, 1],
  ["objecter.op_r", "Read operations", "", 10, 5, 1],
  ["objecter.op_rmw", "Read-modify-write operations", "", 10, 5, 1],
  ["objecter.op_w", "Write operations", "", 10, 5, 1],
  ["purge_queue.pq_executed", "Purge queue tasks executed", "", 10, 5, 1],
  ["purge_queue.pq_executing", "Purge queue tasks in flight", "", 2, 5, 1],
  ["purge_queue.pq_executing_high_water", "Maximum number of executing file purges", "", 2, 5, 1],
  ["purge_queue.pq_executing_ops", "Purge queue ops in flight", "", 2, 5, 1],
  [
    "purge_queue.pq_executing_ops_high_water",
    "Maximum number of executing file purge ops",
    "",
    2,
    5,
    1,
  ],
  ["purge_queue.pq_item_in_journal", "Purge item left in journal", "", 2, 5, 1],
];

/**
 * The counters of one daemon type, in a fixed order shared by every daemon of that type.
 *
 * @example
 * ```ts
 * import { OSD_PERF_SCHEMA, PerfType } from "./perf_counters.ts";
 * const i = OSD_PERF_SCHEMA.indexOf("osd.op_w_latency");
 * if (OSD_PERF_SCHEMA.types[i] !== (PerfType.TIME | PerfType.LONGRUNAVG)) throw new Error();
 * ```
 */
export class PerfSchema {
  /** `osd`, `mon`, ... */
  readonly daemonType: string;
  /** Counter paths (`osd.op_w`), in report order. */
  readonly paths: readonly string[];
  readonly descriptions: readonly string[];
  /** Nicknames ("" when the counter has none: Ceph then omits the key). */
  readonly nicks: readonly string[];
  readonly types: Uint8Array;
  readonly priorities: Uint8Array;
  readonly units: Uint8Array;
  readonly #index = new Map<string, number>();

  constructor(daemonType: string, rows: readonly _Row[]) {
    this.daemonType = daemonType;
    this.paths = rows.map((r) => r[0]);
    this.descriptions = rows.map((r) => r[1]);
    this.nicks = rows.map((r) => r[2]);
    this.types = Uint8Array.from(rows, (r) => r[3]);
    this.priorities = Uint8Array.from(rows, (r) => r[4]);
    this.units = Uint8Array.from(rows, (r) => r[5]);
    rows.forEach((r, i) => this.#index.set(r[0], i));
  }

  /** Number of counters. */
  get size(): number {
    return this.paths.length;
  }

  /** Column of counter `path`; throws a RangeError naming the schema when it has none. */
  indexOf(path: string): number {
    const i = this.#index.get(path);
    if (i === undefined) {
      throw new RangeError(`no counter "${path}" in the ${this.daemonType} schema`);
    }
    return i;
  }

  /** Whether column `i` is a long-running average (its report carries a count). */
  isAverage(i: number): boolean {
    return ((this.types[i] ?? 0) & PerfType.LONGRUNAVG) !== 0;
  }
}

/** The counters a BlueStore OSD reports to the manager. */
export const OSD_PERF_SCHEMA: PerfSchema = new PerfSchema("osd", [..._OSD, ..._BLUESTORE]);
/** The counters an MDS reports to the manager. */
export const MDS_PERF_SCHEMA: PerfSchema = new PerfSchema("mds", _MDS);
/** The counters a mon reports to the manager. */
export const MON_PERF_SCHEMA: PerfSchema = new PerfSchema("mon", _MON);

/**
 * The live counters of every daemon of one type: `values` and `counts` in rows of
 * `schema.size`, indexed by the daemon's row (its position in `daemons`).
 *
 * @example
 * ```ts
 * import { OSD_PERF_SCHEMA, PerfCounters } from "./perf_counters.ts";
 * const c = new PerfCounters(OSD_PERF_SCHEMA, ["osd.0", "osd.1"]);
 * c.add(1, c.schema.indexOf("osd.op_w"), 5);
 * c.avg(1, c.schema.indexOf("osd.op_w_latency"), 5e6, 5);
 * const r = c.report(100, Int32Array.of(1), Float64Array.of(100));
 * if (r.values[c.schema.indexOf("osd.op_w")] !== 5) throw new Error();
 * ```
 */
export class PerfCounters {
  readonly schema: PerfSchema;
  /** Daemon names (`osd.3`); a row's index is its position here. */
  daemons: readonly string[];
  values: Float64Array;
  counts: Float64Array;

  constructor(schema: PerfSchema, daemons: readonly string[]) {
    this.schema = schema;
    this.daemons = daemons;
    this.values = new Float64Array(daemons.length * schema.size);
    this.counts = new Float64Array(daemons.length * schema.size);
  }

  /** Adds rows for daemons that joined (a new OSD), their counters at zero. */
  addRows(names: readonly string[]): void {
    if (names.length === 0) return;
    const size = this.schema.size;
    const values = new Float64Array((this.daemons.length + names.length) * size);
    const counts = new Float64Array(values.length);
    values.set(this.values);
    counts.set(this.counts);
    this.values = values;
    this.counts = counts;
    this.daemons = [...this.daemons, ...names];
  }

  /** Drops daemon row `row` (a mon removed from the MonMap); the rows after it move up. */
  removeRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.daemons.length) {
      throw new RangeError(`no perf counter row ${row}`);
    }
    const size = this.schema.size;
    const keep = (a: Float64Array) => {
      const out = new Float64Array(a.length - size);
      out.set(a.subarray(0, row * size));
      out.set(a.subarray((row + 1) * size), row * size);
      return out;
    };
    this.values = keep(this.values);
    this.counts = keep(this.counts);
    this.daemons = this.daemons.filter((_, i) => i !== row);
  }

  /** Adds `v` to counter `col` of daemon row `row`. */
  add(row: number, col: number, v: number): void {
    (this.values[row * this.schema.size + col] as number) += v;
  }

  /** Sets gauge `col` of daemon row `row`. */
  set(row: number, col: number, v: number): void {
    this.values[row * this.schema.size + col] = v;
  }

  /** Adds `sum` and `count` to long-running average `col` of daemon row `row`. */
  avg(row: number, col: number, sum: number, count: number): void {
    const k = row * this.schema.size + col;
    (this.values[k] as number) += sum;
    (this.counts[k] as number) += count;
  }

  /** The value of counter `col` of daemon row `row`. */
  get(row: number, col: number): number {
    return this.values[row * this.schema.size + col] as number;
  }

  /**
   * A snapshot of the rows in `rows` as a {@linkcode PerfReport} stamped `stamp`; `stamps`
   * gives each row's sampling time (a late report is older than `stamp`).
   */
  report(stamp: number, rows: Int32Array, stamps: Float64Array): PerfReport {
    const size = this.schema.size;
    const values = new Float64Array(rows.length * size);
    const counts = new Float64Array(rows.length * size);
    for (let i = 0; i < rows.length; i++) {
      const from = (rows[i] as number) * size;
      values.set(this.values.subarray(from, from + size), i * size);
      counts.set(this.counts.subarray(from, from + size), i * size);
    }
    return { schema: this.schema, stamp, daemons: this.daemons, rows, stamps, values, counts };
  }
}

/**
 * One `mgr_stats_period` of perf counters for one daemon type: what the manager's counter
 * store ingests. Row `i` belongs to daemon `daemons[rows[i]]`; its numbers are
 * `values[i * schema.size ...]` and, for long-running averages, `counts[...]` at the same
 * positions. Daemons missing from `rows` did not report this period.
 */
export interface PerfReport {
  readonly schema: PerfSchema;
  /** When the period closed (virtual clock seconds). */
  readonly stamp: number;
  /** The stable table of daemon names of this type; `rows` index into it. */
  readonly daemons: readonly string[];
  readonly rows: Int32Array;
  /** When each row was sampled. */
  readonly stamps: Float64Array;
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

function _schemaEntry(schema: PerfSchema, i: number): { [key: string]: Json } {
  const e: { [key: string]: Json } = { description: schema.descriptions[i] as string };
  const nick = schema.nicks[i] as string;
  if (nick !== "") e.nick = nick;
  e.type = schema.types[i] as number;
  e.priority = schema.priorities[i] as number;
  e.units = schema.units[i] as number;
  return e;
}

/**
 * `get_perf_schema(type, id)` for one daemon: `{"osd.0": {path: {description, nick?, type,
 * priority, units}}}`.
 */
export function dumpPerfSchema(schema: PerfSchema, daemon: string): Json {
  const out: { [key: string]: Json } = {};
  for (let i = 0; i < schema.size; i++) out[schema.paths[i] as string] = _schemaEntry(schema, i);
  return { [daemon]: out };
}

/**
 * `get_all_perf_counters()` from the latest report of each daemon type: every daemon's
 * counters with their schema entry and `value` (and `count` for long-running averages).
 */
export function dumpAllPerfCounters(reports: readonly PerfReport[]): Json {
  const out: { [key: string]: Json } = {};
  for (const r of reports) {
    const size = r.schema.size;
    for (let i = 0; i < r.rows.length; i++) {
      const counters: { [key: string]: Json } = {};
      for (let c = 0; c < size; c++) {
        const e = _schemaEntry(r.schema, c);
        e.value = Math.round(r.values[i * size + c] as number);
        if (r.schema.isAverage(c)) e.count = Math.round(r.counts[i * size + c] as number);
        counters[r.schema.paths[c] as string] = e;
      }
      out[r.daemons[r.rows[i] as number] as string] = counters;
    }
  }
  return out;
}
