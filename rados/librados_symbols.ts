/**
 * The C functions of librados2 that mgrd binds (src/include/rados/librados.h, Ceph 16.2), as
 * `Deno.dlopen` wants them.
 *
 * Every function that talks to the cluster, or takes the client's lock, is `nonblocking`: it runs
 * on a worker thread and returns a promise, so the event loop never waits on the network. That
 * is also what keeps the cluster-log callback from deadlocking: librados calls it from its
 * dispatch thread with the client's lock held and waits until the JavaScript callback has run on
 * the event loop, so the event loop must never itself be blocked inside a call that needs that
 * lock. The synchronous ones only build operations or read local memory.
 *
 * @module
 */

// The arguments every command function ends with: (const char **cmd, size_t cmdlen,
// const char *inbuf, size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs,
// size_t *outslen). libcephfs' command calls end the same way (rados/libcephfs.ts).
export const COMMAND_ARGS = [
  "buffer",
  "usize",
  "buffer",
  "usize",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
] as const;

/** Output-argument and string parameters are `buffer`s (typed arrays); handles are `pointer`s. */
export const LIBRADOS_SYMBOLS = {
  rados_version: { parameters: ["buffer", "buffer", "buffer"], result: "void" },
  rados_buffer_free: { parameters: ["pointer"], result: "void" },

  // rados_create2(rados_t *pcluster, const char *clustername, const char *name, uint64_t flags)
  rados_create2: { parameters: ["buffer", "buffer", "buffer", "u64"], result: "i32" },
  rados_conf_read_file: { parameters: ["pointer", "buffer"], result: "i32" },
  rados_conf_set: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  rados_conf_get: { parameters: ["pointer", "buffer", "buffer", "usize"], result: "i32" },
  rados_connect: { parameters: ["pointer"], result: "i32", nonblocking: true },
  rados_shutdown: { parameters: ["pointer"], result: "void", nonblocking: true },
  rados_get_instance_id: { parameters: ["pointer"], result: "u64" },
  rados_cluster_fsid: {
    parameters: ["pointer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
  // rados_cluster_stat(rados_t, struct rados_cluster_stat_t *) : four uint64_t
  rados_cluster_stat: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  rados_wait_for_latest_osdmap: { parameters: ["pointer"], result: "i32", nonblocking: true },

  rados_pool_create: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  rados_pool_lookup: { parameters: ["pointer", "buffer"], result: "i64", nonblocking: true },
  rados_pool_delete: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  rados_pool_list: {
    parameters: ["pointer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },

  // (rados_t, const char **cmd, size_t cmdlen, const char *inbuf, size_t inbuflen,
  //  char **outbuf, size_t *outbuflen, char **outs, size_t *outslen)
  rados_mon_command: {
    parameters: ["pointer", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  // as rados_mon_command, with the mon's name (`a`) or rank (`0`) after the handle
  rados_mon_command_target: {
    parameters: ["pointer", "buffer", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  rados_mgr_command: {
    parameters: ["pointer", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  // as rados_mgr_command, with the ceph-mgr's name (`x`) after the handle: a tell command
  // (MCommand), which the mgr hands to its admin socket (`perf dump`), not to its mgr commands
  rados_mgr_command_target: {
    parameters: ["pointer", "buffer", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  // as rados_mon_command, with the OSD id after the handle
  rados_osd_command: {
    parameters: ["pointer", "i32", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  // as rados_mon_command, with the PG id (`1.0`) after the handle
  rados_pg_command: {
    parameters: ["pointer", "buffer", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  // rados_monitor_log2(rados_t, const char *level, rados_log_callback2_t cb, void *arg)
  rados_monitor_log2: {
    parameters: ["pointer", "buffer", "function", "pointer"],
    result: "i32",
    nonblocking: true,
  },

  rados_ioctx_create: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  rados_ioctx_destroy: { parameters: ["pointer"], result: "void", nonblocking: true },
  rados_write_full: {
    parameters: ["pointer", "buffer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
  // (io, const char *oid, const char *buf, size_t len, uint64_t off)
  rados_write: {
    parameters: ["pointer", "buffer", "buffer", "usize", "u64"],
    result: "i32",
    nonblocking: true,
  },
  rados_append: {
    parameters: ["pointer", "buffer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
  rados_ioctx_set_namespace: { parameters: ["pointer", "buffer"], result: "void" },
  rados_read: {
    parameters: ["pointer", "buffer", "buffer", "usize", "u64"],
    result: "i32",
    nonblocking: true,
  },
  rados_remove: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  // rados_stat(rados_ioctx_t, const char *oid, uint64_t *psize, time_t *pmtime)
  rados_stat: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },

  rados_create_write_op: { parameters: [], result: "pointer" },
  rados_release_write_op: { parameters: ["pointer"], result: "void" },
  // (op, char const* const* keys, char const* const* vals, const size_t *key_lens,
  //  const size_t *val_lens, size_t num)
  rados_write_op_omap_set2: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer", "usize"],
    result: "void",
  },
  // (op, char const* const* keys, const size_t *key_lens, size_t num)
  rados_write_op_omap_rm_keys2: {
    parameters: ["pointer", "buffer", "buffer", "usize"],
    result: "void",
  },
  // (op, rados_ioctx_t, const char *oid, time_t *mtime, int flags)
  rados_write_op_operate: {
    parameters: ["pointer", "pointer", "buffer", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  rados_create_read_op: { parameters: [], result: "pointer" },
  rados_release_read_op: { parameters: ["pointer"], result: "void" },
  // (op, const char *start_after, const char *filter_prefix, uint64_t max_return,
  //  rados_omap_iter_t *iter, unsigned char *pmore, int *prval)
  rados_read_op_omap_get_vals2: {
    parameters: ["pointer", "buffer", "buffer", "u64", "buffer", "buffer", "buffer"],
    result: "void",
  },
  // (op, rados_ioctx_t, const char *oid, int flags)
  rados_read_op_operate: {
    parameters: ["pointer", "pointer", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // (iter, char **key, char **val, size_t *key_len, size_t *val_len)
  rados_omap_get_next2: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  rados_omap_get_end: { parameters: ["pointer"], result: "void" },

  rados_nobjects_list_open: { parameters: ["pointer", "buffer"], result: "i32" },
  // (ctx, const char **entry, const char **key, const char **nspace): fetches from the OSDs
  rados_nobjects_list_next: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  rados_nobjects_list_close: { parameters: ["pointer"], result: "void" },

  // (ioctx, const char *oid, const char *name, const char *cookie, const char *desc,
  //  struct timeval *duration, uint8_t flags)
  rados_lock_exclusive: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer", "buffer", "u8"],
    result: "i32",
    nonblocking: true,
  },
  // (ioctx, oid, name, cookie, const char *tag, desc, struct timeval *duration, uint8_t flags)
  rados_lock_shared: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "u8"],
    result: "i32",
    nonblocking: true,
  },
  rados_unlock: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** librados2 as loaded: its functions, typed. */
export type LibradosLibrary = Deno.DynamicLibrary<typeof LIBRADOS_SYMBOLS>;

/** The functions alone. */
export type LibradosSymbols = LibradosLibrary["symbols"];

/**
 * `rados_log_callback2_t`: (void *arg, const char *line, const char *channel, const char *who,
 * const char *name, uint64_t sec, uint64_t nsec, uint64_t seq, const char *level,
 * const char *msg).
 */
export const LOG_CALLBACK2 = {
  parameters: [
    "pointer",
    "pointer",
    "pointer",
    "pointer",
    "pointer",
    "u64",
    "u64",
    "u64",
    "pointer",
    "pointer",
  ],
  result: "void",
} as const satisfies Deno.UnsafeCallbackDefinition;

/** `LIBRADOS_LOCK_FLAG_RENEW`: renew a lock this (client, cookie) already holds. */
export const LIBRADOS_LOCK_FLAG_RENEW = 1;
