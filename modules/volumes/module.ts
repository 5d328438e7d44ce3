/**
 * Ceph's `volumes` module (src/pybind/mgr/volumes of 16.2.15), with the source's descriptors,
 * texts and errnos (tests/ceph-reference/cli/commands/fs_volume/, fs_subvolumegroup/,
 * fs_subvolume/, fs_snapshot/, fs_clone/):
 * - `fs volume ls/create/rm/info`: a volume is a file system on pools `cephfs.<name>.meta` and
 *   `cephfs.<name>.data`, made and removed through mon commands as fs/operations/volume.py
 *   does; its MDS daemons are asked of the orchestrator backend, and without one the volume
 *   is made with none.
 * - `fs subvolumegroup create/ls/rm/getpath/exist/info/resize`: directories `/volumes/<group>`
 *   with a quota, a data pool layout, an owner and a mode, through `this.cephfs`.
 * - `fs subvolume create/ls/getpath/info/exist/resize/rm`: v2 subvolumes,
 *   `/volumes/<group>/<name>/<uuid>` with the `.meta` and auth-ID files the real module writes;
 *   removal moves the subvolume to `/volumes/_deleting` and purges it in the background (and
 *   at start, what a previous run left).
 * - `fs subvolume metadata set/get/ls/rm` (the `.meta`'s USER_METADATA section), `fs subvolume
 *   pin` and `fs subvolumegroup pin` (the `ceph.dir.pin*` vxattrs).
 * - Snapshots (tests/ceph-reference/cli/commands/fs_snapshot/): `fs subvolume snapshot
 *   create/rm/ls/info` (CephFS snapshots of the subvolume's base directory,
 *   `<base>/.snap/<name>`), `fs subvolume snapshot metadata set/get/ls/rm` (`.meta`'s
 *   SNAP_METADATA_<name> sections), the deprecated `protect/unprotect`, `fs subvolumegroup
 *   snapshot ls/rm` (and `create`, which 16.2.15 refuses with ENOSYS), and `fs subvolume rm
 *   --retain-snapshots`: the data directory goes to the subvolume's `.trash`, linked from the
 *   volume's trash for the purge, the subvolume stays 'snapshot-retained' until a new
 *   incarnation is made over it or its last snapshot goes (and it with it).
 *
 * - Clones (tests/ceph-reference/cli/commands/fs_clone/): `fs subvolume snapshot clone` makes
 *   the target a pending clone tracked in `/volumes/_index/clone` and the source's `clone
 *   snaps`; the cloner (up to `max_concurrent_clones` jobs a volume, after
 *   `snapshot_clone_delay`) copies the snapshot's tree (directories, files, links, with owners,
 *   modes and times, then the quota) and leaves it complete; `fs clone status/cancel`.
 *
 * - Auth IDs (tests/ceph-reference/cli/commands/fs_authorize/): `fs subvolume authorize /
 *   deauthorize / authorized_list` (modules/volumes/subvolume_auth.ts).
 *
 * - `fs subvolume evict`: the MDS ranks evict the sessions of an auth ID mounted at the
 *   subvolume's path.
 *
 * Not ported: legacy (v1 and pre-Nautilus) subvolumes.
 *
 * @module
 */
import {
  CephFSError,
  type CephFSMount,
  type CommandReturn,
  EAGAIN,
  EEXIST,
  EINTR,
  EINVAL,
  ENODATA,
  ENOENT,
  ENOSYS,
  ENOTEMPTY,
  EOPNOTSUPP,
  EPERM,
  ESTALE,
  ETIMEDOUT,
  formatBytes,
  HandleCommandResult,
  MgrModule,
  NO_MON_CONNECTION,
  Option,
  pythonFloat,
  pythonJson,
} from "mgr_module";
import {
  NoOrchestrator,
  OrchestratorError,
  OrchNotImplemented,
  type OrchResult,
  placementFromString,
  raise_if_exception,
  type ServiceSpec,
} from "mgr_module/orchestrator";
import { AuthError, AuthLocks, SubvolumeAuth } from "./subvolume_auth.ts";

const GOODCHARS = "[A-Za-z0-9-_.]";

/** Where subvolumes and groups live (VolSpec.DEFAULT_SUBVOL_PREFIX). */
const SUBVOL_PREFIX = "/volumes";
/** The trash of subvolumes being purged (Trash.GROUP_NAME). */
const TRASH_DIR = "_deleting";
/** The group of subvolumes made without one (Group.NO_GROUP_NAME). */
const NO_GROUP = "_nogroup";
/** VolSpec.INTERNAL_DIRS: no group may take these names. */
const INTERNAL_DIRS = [NO_GROUP, "_index", TRASH_DIR, "_legacy"];
/** VolSpec.DEFAULT_MODE. */
const DEFAULT_MODE = 0o755;
/** VolSpec.DEFAULT_NS_PREFIX: an isolated subvolume's RADOS namespace is this and its name. */
const NS_PREFIX = "fsvolumens_";
/** `client_snapdir`. */
const SNAP_DIR = ".snap";
/** `st_mode`'s type bits, and a symbolic link's. */
const S_IFMT = 0o170000, S_IFLNK = 0o120000, S_IFDIR = 0o040000, S_IFREG = 0o100000;
/** MetadataManager.USER_METADATA_SECTION. */
const USER_METADATA = "USER_METADATA";
/** What Python's int() takes: a sign, digits with single underscores between them, spaces around. */
const _PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/** What Python's `float()` takes. */
const _PY_FLOAT =
  /^\s*[+-]?(?:(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?|inf|infinity|nan)\s*$/i;
/** SubvolumeStates.STATE_RETAINED: removed, with its snapshots kept. */
const STATE_RETAINED = "snapshot-retained";
/** The section of a snapshot's metadata in `.meta` is this and the snapshot's name. */
const SNAP_META_PREFIX = "SNAP_METADATA_";
/** A subvolume's own trash, for the data directories removed while snapshots stay. */
const SUBVOL_TRASH = ".trash";

/** SubvolumeOpType: what a subvolume is opened for (in messages, as the source spells it). */
type SubvolOp =
  | "create"
  | "rm"
  | "rm-force"
  | "pin"
  | "getpath"
  | "info"
  | "resize"
  | "snap-create"
  | "snap-rm"
  | "snap-ls"
  | "snap-info"
  | "snap-protect"
  | "snap-unprotect"
  | "user-metadata-set"
  | "user-metadata-get"
  | "user-metadata-ls"
  | "user-metadata-rm"
  | "snap-metadata-set"
  | "snap-metadata-get"
  | "snap-metadata-ls"
  | "snap-metadata-rm"
  | "clone-source"
  | "clone-create"
  | "clone-status"
  | "clone-cancel"
  | "clone-internal"
  | "allow-access"
  | "deny-access"
  | "auth-list"
  | "evict";

/** What evict reads of a volume's MDSMap (the FSMap's `mdsmap`). */
interface MdsMapView {
  fs_name: string;
  up: Record<string, number>;
  info: Record<string, { state: string }>;
}

/** A clone job of the cloner: told to stop by `fs clone cancel`; `done` when it has ended. */
interface CloneJob {
  cancel: boolean;
  done: Promise<void>;
}

/** The subvolume snapshot commands' verbs. */
type SnapVerb = "create" | "rm" | "ls" | "info" | "protect" | "unprotect";

/** SubvolumeV2.allowed_ops_by_state of a subvolume whose snapshots alone are retained. */
const RETAINED_OPS: ReadonlySet<SubvolOp> = new Set<SubvolOp>([
  "rm",
  "rm-force",
  "info",
  "snap-rm",
  "snap-ls",
  "snap-info",
  "snap-protect",
  "snap-unprotect",
  "clone-source",
]);
/** ...and of one that is neither complete nor retained (a clone on its way, or stopped). */
const INCOMPLETE_OPS: ReadonlySet<SubvolOp> = new Set<SubvolOp>([
  "rm-force",
  "clone-create",
  "clone-status",
  "clone-cancel",
  "clone-internal",
  "clone-source",
]);
/** SubvolumeV2.allowed_ops_by_type: what only a clone is opened for. */
const CLONE_ONLY_OPS: ReadonlySet<SubvolOp> = new Set<SubvolOp>([
  "clone-status",
  "clone-cancel",
  "clone-internal",
]);
/** The states a clone stops in (SubvolumeOpSm.is_failed_state). */
const CLONE_STOPPED = ["failed", "canceled"];
/** The clone index (CloneIndex): a link per clone in progress, to the clone's base directory. */
const CLONE_INDEX = "/volumes/_index/clone";
/** The `.meta` section of the snapshots a subvolume's clones are made from (track id = name). */
const CLONE_SNAPS = "clone snaps";

/** SubvolumeV2.features. */
const SUBVOL_FEATURES = ["snapshot-clone", "snapshot-autoprotect", "snapshot-retention"];

interface FsMapDump {
  filesystems: { mdsmap: { fs_name: string; metadata_pool: number; data_pools: number[] } }[];
}
interface OsdMapDump {
  pools: { pool: number; pool_name: string }[];
}
interface DfDump {
  pools: { id: number; stats: { bytes_used: number; max_avail: number } }[];
}

/** What set_group_attrs sets (`undefined`: leave, or the default). */
interface GroupAttrs {
  size?: number;
  pool?: string;
  uid?: number;
  gid?: number;
  mode?: number;
}

/** A subvolume's group as open_group leaves it (its owner: the default for a subvolume's). */
interface SubvolGroup {
  name: string;
  path: string;
  uid?: number;
  gid?: number;
}

/** What set_attrs needs of the subvolume. */
interface SubvolTarget {
  group: SubvolGroup;
}

/** An open v2 subvolume. */
interface Subvol extends SubvolTarget {
  name: string;
  /** `/volumes/<group>/<name>`, where `.meta` and the snapshots (`.snap`) are. */
  base: string;
  /** The data directory, `<base>/<uuid>` (empty when only the snapshots are retained). */
  path: string;
  meta: Map<string, Map<string, string>>;
  /** SubvolumeStates: `complete`, `snapshot-retained`, or a clone's `pending`, ... */
  state: string;
  /** SubvolumeTypes: `subvolume` or `clone`. */
  type: string;
  uid: number;
  gid: number;
}

/** What SubvolumeBase.set_attrs sets. */
interface SubvolAttrs {
  size?: number;
  pool?: string;
  namespace?: string;
  uid?: number;
  gid?: number;
  mode?: number;
}

/** A MetadataMgrException. */
class MetaError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

/** Python's configparser.read_string, for the sections and `key = value` lines mgrd writes. */
function _parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  for (const line of text.split("\n")) {
    const head = /^\[([^\]]+)\]\s*$/.exec(line);
    if (head) {
      section = new Map();
      out.set(head[1]!, section);
      continue;
    }
    const kv = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (kv && section) section.set(kv[1]!.toLowerCase(), kv[2]!.trim());
  }
  return out;
}

/** Python's configparser.write: `[section]`, `key = value` lines, a blank line after each. */
function _writeIni(meta: Map<string, Map<string, string>>): string {
  let text = "";
  for (const [name, section] of meta) {
    if (section.size === 0) continue;
    text += `[${name}]\n`;
    for (const [k, v] of section) text += `${k} = ${v}\n`;
    text += "\n";
  }
  return text;
}

/** Python's `os.strerror`. */
function _strerror(e: number): string {
  return { [EINVAL]: "Invalid argument", [ENOENT]: "No such file or directory" }[e] ??
    `Unknown error ${e}`;
}

/** Python's `str(datetime.fromtimestamp(t))` with its microseconds, on the (UTC) host. */
function _pyTimeMicro(t: number): string {
  let sec = Math.floor(t);
  let us = Math.round((t - sec) * 1e6);
  if (us === 1e6) [sec, us] = [sec + 1, 0];
  return _pyTime(sec) + (us === 0 ? "" : `.${String(us).padStart(6, "0")}`);
}

/** Whether Python's `uuid.UUID()` takes the string (hyphens, braces and a `urn:uuid:` aside). */
function _isUuid(s: string): boolean {
  const hex = s.replace("urn:", "").replace("uuid:", "").replace(/^[{}]+|[{}]+$/g, "")
    .replaceAll("-", "");
  return /^[0-9a-fA-F]{32}$/.test(hex);
}

/** Python's `repr()` of a str's UTF-8 bytes: `b'name'`. */
function _pyBytesRepr(s: string): string {
  const bytes = new TextEncoder().encode(s);
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (b === 0x09) out += "\\t";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `b${quote}${out}${quote}`;
}

/** A VolumeException: an error tuple. */
class VolumeError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

/** octal_str_to_decimal_int: Python's `int(mode, 8)`. */
function _octal(mode: string): number {
  const m = /^\s*([+-]?)(?:0[oO])?_?([0-7](?:_?[0-7])*)\s*$/.exec(mode);
  if (!m) throw new VolumeError(-EINVAL, `Invalid mode '${mode}'`);
  const v = parseInt(m[2]!.replaceAll("_", ""), 8);
  return m[1] === "-" ? -v : v;
}

/** Python's `str(datetime.fromtimestamp(t))` on the (UTC) manager host. */
function _pyTime(t: number): string {
  return new Date(Math.floor(t) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** A CephFSError as the source turns it into a VolumeException (`-e.args[0], e.args[1]`). */
function _volumeError(e: unknown): unknown {
  return e instanceof CephFSError ? new VolumeError(-e.errno, e.what) : e;
}

/** Python's `str()` of a list of strings: `['a', 'b']`. */
function _pyStrList(items: readonly string[]): string {
  const repr = (s: string) =>
    s.includes("'") && !s.includes('"')
      ? `"${s}"`
      : `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  return `[${items.map(repr).join(", ")}]`;
}

/** The volumes module. */
export class Volumes extends MgrModule {
  /** Volumes whose trash is being purged (the purge queue's jobs). */
  readonly #purging = new Set<string>();
  /** Volumes being removed: their purge stops. */
  readonly #cancelled = new Set<string>();
  /** The cloner's jobs, by volume and track id. */
  readonly #clones = new Map<string, Map<string, CloneJob>>();
  /** Volumes whose clone index is being scanned for jobs, and those to scan again after. */
  readonly #cloneScanning = new Set<string>();
  readonly #cloneRescan = new Set<string>();
  /** The auth files' holds (AuthMetadataManager's flocks). */
  readonly #authLocks = new AuthLocks();

  static override COMMANDS = [
    { cmd: "fs volume ls", desc: "List volumes", perm: "r" },
    {
      cmd: `fs volume create name=name,type=CephString,goodchars=${GOODCHARS} ` +
        "name=placement,type=CephString,req=false ",
      desc: "Create a CephFS volume",
      perm: "rw",
    },
    {
      cmd: "fs volume rm name=vol_name,type=CephString " +
        "name=yes-i-really-mean-it,type=CephString,req=false ",
      desc: "Delete a FS volume by passing --yes-i-really-mean-it flag",
      perm: "rw",
    },
    {
      cmd: "fs volume info name=vol_name,type=CephString " +
        "name=human_readable,type=CephBool,req=false ",
      desc: "Get the information of a CephFS volume",
      perm: "r",
    },
    {
      cmd: "fs subvolumegroup ls name=vol_name,type=CephString ",
      desc: "List subvolumegroups",
      perm: "r",
    },
    {
      cmd: "fs subvolumegroup create name=vol_name,type=CephString " +
        `name=group_name,type=CephString,goodchars=${GOODCHARS} ` +
        "name=size,type=CephInt,req=false " +
        "name=pool_layout,type=CephString,req=false " +
        "name=uid,type=CephInt,req=false " +
        "name=gid,type=CephInt,req=false " +
        "name=mode,type=CephString,req=false ",
      desc: "Create a CephFS subvolume group in a volume, and optionally, " +
        "with a specific data pool layout, and a specific numeric mode",
      perm: "rw",
    },
    {
      cmd: "fs subvolumegroup rm name=vol_name,type=CephString " +
        "name=group_name,type=CephString " +
        "name=force,type=CephBool,req=false ",
      desc: "Delete a CephFS subvolume group in a volume",
      perm: "rw",
    },
    {
      cmd: "fs subvolumegroup info name=vol_name,type=CephString " +
        "name=group_name,type=CephString ",
      desc: "Get the metadata of a CephFS subvolume group in a volume, ",
      perm: "r",
    },
    {
      cmd: "fs subvolumegroup resize name=vol_name,type=CephString " +
        "name=group_name,type=CephString " +
        "name=new_size,type=CephString,req=true " +
        "name=no_shrink,type=CephBool,req=false ",
      desc: "Resize a CephFS subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolumegroup exist name=vol_name,type=CephString ",
      desc: "Check a volume for the existence of subvolumegroup",
      perm: "r",
    },
    {
      cmd: "fs subvolume ls name=vol_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "List subvolumes",
      perm: "r",
    },
    {
      cmd: "fs subvolume create name=vol_name,type=CephString " +
        `name=sub_name,type=CephString,goodchars=${GOODCHARS} ` +
        "name=size,type=CephInt,req=false " +
        "name=group_name,type=CephString,req=false " +
        "name=pool_layout,type=CephString,req=false " +
        "name=uid,type=CephInt,req=false " +
        "name=gid,type=CephInt,req=false " +
        "name=mode,type=CephString,req=false " +
        "name=namespace_isolated,type=CephBool,req=false ",
      desc: "Create a CephFS subvolume in a volume, and optionally, " +
        "with a specific size (in bytes), a specific data pool layout, " +
        "a specific mode, in a specific subvolume group and in separate " +
        "RADOS namespace",
      perm: "rw",
    },
    {
      cmd: "fs subvolume rm name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=group_name,type=CephString,req=false " +
        "name=force,type=CephBool,req=false " +
        "name=retain_snapshots,type=CephBool,req=false ",
      desc: "Delete a CephFS subvolume in a volume, and optionally, " +
        "in a specific subvolume group, force deleting a cancelled or failed " +
        "clone, and retaining existing subvolume snapshots",
      perm: "rw",
    },
    {
      cmd: "fs subvolume authorize " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=auth_id,type=CephString " +
        "name=group_name,type=CephString,req=false " +
        "name=access_level,type=CephString,req=false " +
        "name=tenant_id,type=CephString,req=false " +
        "name=allow_existing_id,type=CephBool,req=false ",
      desc: "Allow a cephx auth ID access to a subvolume",
      perm: "rw",
    },
    {
      cmd: "fs subvolume deauthorize " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=auth_id,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Deny a cephx auth ID access to a subvolume",
      perm: "rw",
    },
    {
      cmd: "fs subvolume authorized_list " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "List auth IDs that have access to a subvolume",
      perm: "r",
    },
    {
      cmd: "fs subvolume evict " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=auth_id,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Evict clients based on auth IDs and subvolume mounted",
      perm: "rw",
    },
    {
      cmd: "fs subvolume getpath name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Get the mountpath of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume info name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Get the information of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume exist name=vol_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Check a volume for the existence of a subvolume, " +
        "optionally in a specified subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume resize name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=new_size,type=CephString,req=true " +
        "name=group_name,type=CephString,req=false " +
        "name=no_shrink,type=CephBool,req=false ",
      desc: "Resize a CephFS subvolume",
      perm: "rw",
    },
    {
      cmd: "fs subvolume metadata set name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=key_name,type=CephString " +
        "name=value,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Set custom metadata (key-value) for a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume metadata get name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=key_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Get custom metadata associated with the key of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume metadata ls name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "List custom metadata (key-value pairs) of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume metadata rm name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=key_name,type=CephString " +
        "name=group_name,type=CephString,req=false " +
        "name=force,type=CephBool,req=false ",
      desc: "Remove custom metadata (key-value) associated with the key of a CephFS " +
        "subvolume in a volume, and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolumegroup pin" +
        " name=vol_name,type=CephString" +
        " name=group_name,type=CephString,req=true" +
        " name=pin_type,type=CephChoices,strings=export|distributed|random" +
        " name=pin_setting,type=CephString,req=true",
      desc: "Set MDS pinning policy for subvolumegroup",
      perm: "rw",
    },
    {
      cmd: "fs subvolume pin" +
        " name=vol_name,type=CephString" +
        " name=sub_name,type=CephString" +
        " name=pin_type,type=CephChoices,strings=export|distributed|random" +
        " name=pin_setting,type=CephString,req=true" +
        " name=group_name,type=CephString,req=false",
      desc: "Set MDS pinning policy for subvolume",
      perm: "rw",
    },
    {
      cmd: "fs subvolumegroup getpath name=vol_name,type=CephString " +
        "name=group_name,type=CephString ",
      desc: "Get the mountpath of a CephFS subvolume group in a volume",
      perm: "r",
    },
    {
      cmd: "fs subvolumegroup snapshot ls " +
        "name=vol_name,type=CephString " +
        "name=group_name,type=CephString ",
      desc: "List subvolumegroup snapshots",
      perm: "r",
    },
    {
      cmd: "fs subvolumegroup snapshot create " +
        "name=vol_name,type=CephString " +
        "name=group_name,type=CephString " +
        "name=snap_name,type=CephString ",
      desc: "Create a snapshot of a CephFS subvolume group in a volume",
      perm: "rw",
    },
    {
      cmd: "fs subvolumegroup snapshot rm " +
        "name=vol_name,type=CephString " +
        "name=group_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=force,type=CephBool,req=false ",
      desc: "Delete a snapshot of a CephFS subvolume group in a volume",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot ls " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "List subvolume snapshots",
      perm: "r",
    },
    {
      cmd: "fs subvolume snapshot create " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Create a snapshot of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot info " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Get the information of a CephFS subvolume snapshot " +
        "and optionally, in a specific subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume snapshot metadata set " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=key_name,type=CephString " +
        "name=value,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Set custom metadata (key-value) for a CephFS subvolume snapshot in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot metadata get " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=key_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Get custom metadata associated with the key of a CephFS subvolume snapshot " +
        "in a volume, and optionally, in a specific subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume snapshot metadata ls " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "List custom metadata (key-value pairs) of a CephFS subvolume snapshot " +
        "in a volume, and optionally, in a specific subvolume group",
      perm: "r",
    },
    {
      cmd: "fs subvolume snapshot metadata rm " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=key_name,type=CephString " +
        "name=group_name,type=CephString,req=false " +
        "name=force,type=CephBool,req=false ",
      desc: "Remove custom metadata (key-value) associated with the key of a CephFS " +
        "subvolume snapshot in a volume, and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot rm " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=group_name,type=CephString,req=false " +
        "name=force,type=CephBool,req=false ",
      desc: "Delete a snapshot of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot protect " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "(deprecated) Protect snapshot of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot unprotect " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "(deprecated) Unprotect a snapshot of a CephFS subvolume in a volume, " +
        "and optionally, in a specific subvolume group",
      perm: "rw",
    },
    {
      cmd: "fs subvolume snapshot clone " +
        "name=vol_name,type=CephString " +
        "name=sub_name,type=CephString " +
        "name=snap_name,type=CephString " +
        "name=target_sub_name,type=CephString " +
        "name=pool_layout,type=CephString,req=false " +
        "name=group_name,type=CephString,req=false " +
        "name=target_group_name,type=CephString,req=false ",
      desc: "Clone a snapshot to target subvolume",
      perm: "rw",
    },
    {
      cmd: "fs clone status " +
        "name=vol_name,type=CephString " +
        "name=clone_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Get status on a cloned subvolume.",
      perm: "r",
    },
    {
      cmd: "fs clone cancel " +
        "name=vol_name,type=CephString " +
        "name=clone_name,type=CephString " +
        "name=group_name,type=CephString,req=false ",
      desc: "Cancel an pending or ongoing clone operation.",
      perm: "r",
    },
  ];

  static override MODULE_OPTIONS = [
    Option({
      name: "max_concurrent_clones",
      type: "int",
      default: 4,
      desc: "Number of asynchronous cloner threads",
    }),
    Option({
      name: "snapshot_clone_delay",
      type: "int",
      default: 0,
      desc: "Delay clone begin operation by snapshot_clone_delay seconds",
    }),
  ];

  /**
   * As the VolumeClient does when the module starts: purge what a previous run left in the
   * trash of each volume; later purges follow removals. Then it waits for shutdown, as the
   * purge threads do for jobs.
   */
  override async serve(): Promise<void> {
    for (const vol of this.#volumes()) {
      if (this.shutting_down) return;
      this.#cloneKick(vol);
      await this.#purge(vol);
    }
    while (!this.shutting_down) await this.sleep(60);
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<CommandReturn> {
    const str = (k: string) => (typeof cmd[k] === "string" ? cmd[k] as string : undefined);
    const int = (k: string) => (typeof cmd[k] === "number" ? cmd[k] as number : undefined);
    const context = Object.entries(cmd).map(([k, v]) => `${k}:${String(v)}`).join(", ");
    const name = `_cmd_${String(cmd.prefix).replaceAll(" ", "_")}`;
    this.log.info(`Starting ${name}(${context}) < ""`);
    let r: CommandReturn;
    switch (cmd.prefix) {
      case "fs volume ls":
        r = [0, pythonJson(this.#volumes().map((n) => ({ name: n })), "json-pretty"), ""];
        break;
      case "fs volume create":
        r = await this.#create(str("name") ?? "", str("placement") ?? "");
        break;
      case "fs volume rm":
        r = await this.#delete(str("vol_name") ?? "", str("yes-i-really-mean-it"));
        break;
      case "fs volume info":
        r = await this.#info(str("vol_name") ?? "", cmd.human_readable === true);
        break;
      case "fs subvolumegroup create":
        r = await this.#tuple(() =>
          this.#groupCreate(str("vol_name") ?? "", str("group_name") ?? "", {
            size: int("size"),
            pool: str("pool_layout"),
            mode: str("mode") ?? "755",
            uid: int("uid"),
            gid: int("gid"),
          })
        );
        break;
      case "fs subvolumegroup rm":
        r = await this.#tuple(() =>
          this.#groupRm(str("vol_name") ?? "", str("group_name") ?? "", cmd.force === true)
        );
        break;
      case "fs subvolumegroup info":
        r = await this.#tuple(() =>
          this.#groupInfo(str("vol_name") ?? "", str("group_name") ?? "")
        );
        break;
      case "fs subvolumegroup resize":
        r = await this.#tuple(() =>
          this.#groupResize(
            str("vol_name") ?? "",
            str("group_name") ?? "",
            str("new_size") ?? "",
            cmd.no_shrink === true,
          )
        );
        break;
      case "fs subvolumegroup getpath":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          return [0, await this.#openGroup(fs, str("group_name") ?? ""), ""];
        });
        break;
      case "fs subvolume create":
        r = await this.#tuple(() =>
          this.#subvolCreate(str("vol_name") ?? "", str("sub_name") ?? "", str("group_name"), {
            size: int("size"),
            pool: str("pool_layout"),
            uid: int("uid"),
            gid: int("gid"),
            mode: str("mode") ?? "755",
            isolated: cmd.namespace_isolated === true,
          })
        );
        break;
      case "fs subvolume rm":
        r = await this.#tuple(() =>
          this.#subvolRm(
            str("vol_name") ?? "",
            str("sub_name") ?? "",
            str("group_name"),
            cmd.force === true,
            cmd.retain_snapshots === true,
          )
        );
        break;
      case "fs subvolume ls":
        r = await this.#tuple(async () => {
          const names = await this.#subvolNames(str("vol_name") ?? "", str("group_name"));
          return [0, pythonJson(names.map((name) => ({ name })), "json-pretty"), ""];
        });
        break;
      case "fs subvolume exist":
        r = await this.#tuple(async () => {
          try {
            const any = (await this.#subvolNames(str("vol_name") ?? "", str("group_name")))
              .length > 0;
            return [0, any ? "subvolume exists" : "no subvolume exists", ""];
          } catch (e) {
            // The volume is there (the FSMap has it), the group is not.
            const there = this.#volumes().includes(str("vol_name") ?? "");
            if (there && e instanceof VolumeError && e.errno === -ENOENT) {
              return [0, "no subvolume exists", ""];
            }
            throw e;
          }
        });
        break;
      case "fs subvolume getpath":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          const group = await this.#subvolGroup(fs, str("group_name"));
          const sv = await this.#openSubvol(fs, group, str("sub_name") ?? "", "getpath");
          return [0, sv.path, ""];
        });
        break;
      case "fs subvolume info":
        r = await this.#tuple(() =>
          this.#subvolInfo(str("vol_name") ?? "", str("sub_name") ?? "", str("group_name"))
        );
        break;
      case "fs subvolume resize":
        r = await this.#tuple(() =>
          this.#subvolResize(
            str("vol_name") ?? "",
            str("sub_name") ?? "",
            str("group_name"),
            str("new_size") ?? "",
            cmd.no_shrink === true,
          )
        );
        break;
      case "fs subvolume metadata set":
      case "fs subvolume metadata get":
      case "fs subvolume metadata ls":
      case "fs subvolume metadata rm":
        r = await this.#tuple(() =>
          this.#subvolMetadata(
            String(cmd.prefix).split(" ")[3] as "set" | "get" | "ls" | "rm",
            str("vol_name") ?? "",
            str("sub_name") ?? "",
            str("group_name"),
            str("key_name") ?? "",
            str("value") ?? "",
            cmd.force === true,
          )
        );
        break;
      case "fs subvolume authorize":
      case "fs subvolume deauthorize":
      case "fs subvolume authorized_list":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          const group = await this.#subvolGroup(fs, str("group_name"));
          const verb = String(cmd.prefix).split(" ")[2];
          const op = verb === "authorize"
            ? "allow-access"
            : verb === "deauthorize"
            ? "deny-access"
            : "auth-list";
          const sv = await this.#openSubvol(fs, group, str("sub_name") ?? "", op);
          const auth = new SubvolumeAuth(this, fs, sv, this.#authLocks);
          const volumeError = (e: unknown) => {
            throw e instanceof AuthError ? new VolumeError(e.errno, e.message) : e;
          };
          if (verb === "authorize") {
            const key = await auth.authorize(
              str("auth_id") ?? "",
              str("access_level") ?? "rw",
              str("tenant_id"),
              cmd.allow_existing_id === true,
            ).catch(volumeError);
            return [0, key, ""];
          }
          if (verb === "deauthorize") {
            await auth.deauthorize(str("auth_id") ?? "").catch(volumeError);
            return [0, "", ""];
          }
          return [0, pythonJson(await auth.authorizedList(), "json-pretty"), ""];
        });
        break;
      case "fs subvolume evict":
        r = await this.#tuple(async () => {
          const vol = str("vol_name") ?? "";
          const fs = this.#open(vol);
          const group = await this.#subvolGroup(fs, str("group_name"));
          const sv = await this.#openSubvol(fs, group, str("sub_name") ?? "", "evict");
          return await this.#evict(vol, sv.path, str("auth_id") ?? "");
        });
        break;
      case "fs subvolume pin":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          const group = await this.#subvolGroup(fs, str("group_name"));
          const sv = await this.#openSubvol(fs, group, str("sub_name") ?? "", "pin");
          await this.#pin(fs, sv.base, str("pin_type") ?? "", str("pin_setting") ?? "");
          return [0, "{}", ""];
        });
        break;
      case "fs subvolumegroup pin":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          const path = await this.#openGroup(fs, str("group_name") ?? "");
          await this.#pin(fs, path, str("pin_type") ?? "", str("pin_setting") ?? "");
          return [0, "{}", ""];
        });
        break;
      case "fs subvolumegroup ls":
        r = await this.#tuple(() => this.#groupLs(str("vol_name") ?? ""));
        break;
      case "fs subvolume snapshot create":
      case "fs subvolume snapshot rm":
      case "fs subvolume snapshot ls":
      case "fs subvolume snapshot info":
      case "fs subvolume snapshot protect":
      case "fs subvolume snapshot unprotect":
        r = await this.#tuple(() =>
          this.#subvolSnapshot(
            String(cmd.prefix).split(" ")[3] as SnapVerb,
            str("vol_name") ?? "",
            str("sub_name") ?? "",
            str("group_name"),
            str("snap_name") ?? "",
            cmd.force === true,
          )
        );
        break;
      case "fs subvolume snapshot metadata set":
      case "fs subvolume snapshot metadata get":
      case "fs subvolume snapshot metadata ls":
      case "fs subvolume snapshot metadata rm":
        r = await this.#tuple(() =>
          this.#snapMetadata(
            String(cmd.prefix).split(" ")[4] as "set" | "get" | "ls" | "rm",
            str("vol_name") ?? "",
            str("sub_name") ?? "",
            str("group_name"),
            str("snap_name") ?? "",
            str("key_name") ?? "",
            str("value") ?? "",
            cmd.force === true,
          )
        );
        break;
      case "fs subvolume snapshot clone":
        r = await this.#tuple(() =>
          this.#cloneCreate(
            str("vol_name") ?? "",
            str("sub_name") ?? "",
            str("snap_name") ?? "",
            str("target_sub_name") ?? "",
            str("pool_layout"),
            str("group_name"),
            str("target_group_name"),
          )
        );
        break;
      case "fs clone status":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          const group = await this.#subvolGroup(fs, str("group_name"));
          const sv = await this.#openSubvol(fs, group, str("clone_name") ?? "", "clone-status");
          // json.dumps(indent=2), in the source's key order.
          return [0, JSON.stringify({ status: this.#cloneStatus(sv) }, null, 2), ""];
        });
        break;
      case "fs clone cancel":
        r = await this.#tuple(() =>
          this.#cloneCancel(str("vol_name") ?? "", str("clone_name") ?? "", str("group_name"))
        );
        break;
      case "fs subvolumegroup snapshot create":
      case "fs subvolumegroup snapshot rm":
      case "fs subvolumegroup snapshot ls":
        r = await this.#tuple(() =>
          this.#groupSnapshot(
            String(cmd.prefix).split(" ")[3] as "create" | "rm" | "ls",
            str("vol_name") ?? "",
            str("group_name") ?? "",
            str("snap_name") ?? "",
            cmd.force === true,
          )
        );
        break;
      case "fs subvolumegroup exist":
        r = await this.#tuple(() => this.#groupExist(str("vol_name") ?? ""));
        break;
      default:
        return new HandleCommandResult(-EINVAL, "", "Unknown command");
    }
    this.log.info(`Finishing ${name}(${context}) < ""`);
    // ceph-mgr hands a Python module's output to the client with a newline after it.
    const [rc, outb, outs] = r instanceof HandleCommandResult
      ? [...r] as [number, string, string]
      : r;
    // The answer comes from the maps the manager last received (the file systems, pools, mons).
    const stale = rc === 0 && outs === "" && !this.have_mon_connection() ? NO_MON_CONNECTION : "";
    return [rc, outb === "" || outb.endsWith("\n") ? outb : `${outb}\n`, outs || stale];
  }

  #fsMap(): FsMapDump {
    return (this.get("fs_map") as FsMapDump | null) ?? { filesystems: [] };
  }

  #volumes(): string[] {
    return this.#fsMap().filesystems.map((f) => f.mdsmap.fs_name);
  }

  /** The volume's pools by id (get_pool_ids), or undefined when there is no such volume. */
  #poolIds(vol: string): { metadata: number; data: number[] } | undefined {
    const fs = this.#fsMap().filesystems.find((f) => f.mdsmap.fs_name === vol);
    return fs ? { metadata: fs.mdsmap.metadata_pool, data: fs.mdsmap.data_pools } : undefined;
  }

  #poolName(id: number): string {
    const pools = (this.get("osd_map") as OsdMapDump | null)?.pools ?? [];
    return pools.find((p) => p.pool === id)?.pool_name ?? String(id);
  }

  #removePool(pool: string): Promise<[number, string, string]> {
    return this.mon_command({
      prefix: "osd pool rm",
      pool,
      pool2: pool,
      yes_i_really_really_mean_it: true,
    });
  }

  /** create_volume: the pools, the file system, then the MDS daemons; undone as far as it got. */
  async #create(vol: string, placement: string): Promise<CommandReturn> {
    this.#cancelled.delete(vol);
    const meta = `cephfs.${vol}.meta`, data = `cephfs.${vol}.data`;
    let [r, outb, outs] = await this.mon_command({ prefix: "osd pool create", pool: meta });
    if (r !== 0) return [r, outb, outs];
    // Data pools are bulk: the autoscaler starts them at full size.
    [r, outb, outs] = await this.mon_command({ bulk: true, prefix: "osd pool create", pool: data });
    if (r !== 0) {
      await this.#removePool(meta);
      return [r, outb, outs];
    }
    [r, outb, outs] = await this.mon_command({
      prefix: "fs new",
      fs_name: vol,
      metadata: meta,
      data,
    });
    if (r !== 0) {
      this.log.error(`Filesystem creation error: ${r} ${outb} ${outs}`);
      await this.#removePool(data);
      await this.#removePool(meta);
      return [r, outb, outs];
    }
    return this.#createMds(vol, placement);
  }

  /** create_mds: `apply` of an mds service to the orchestrator backend, when there is one. */
  async #createMds(vol: string, placement: string): Promise<CommandReturn> {
    const spec: ServiceSpec = {
      service_type: "mds",
      service_id: vol,
      placement: placementFromString(placement),
    };
    try {
      raise_if_exception(await this.#orch<string[]>("apply", [spec]));
    } catch (e) {
      if (e instanceof OrchestratorError) {
        return [0, "", "Volume created successfully (no MDS daemons created)"];
      }
      // Python's `str(e)`: an orchestrator's backtrace stays in the log.
      this.log.error(`Failed to create MDS daemons: ${(e as Error).stack ?? e}`);
      return [-EINVAL, "", e instanceof OrchNotImplemented ? "" : (e as Error).message];
    }
    return [0, "", ""];
  }

  /** OrchestratorClientMixin._oremote: the backend's `method`; NoOrchestrator without one. */
  async #orch<T>(method: string, ...args: unknown[]): Promise<OrchResult<T>> {
    const backend = this.get_module_option_ex("orchestrator", "orchestrator");
    if (typeof backend !== "string" || backend === "") throw new NoOrchestrator();
    try {
      return await this.remote(backend, method, ...args) as OrchResult<T>;
    } catch (e) {
      throw new Error(`${backend} does not implement ${method}`, { cause: e });
    }
  }

  /** delete_fs_volume and delete_volume; the volume's purge is cancelled meanwhile. */
  async #delete(vol: string, confirm: string | undefined): Promise<CommandReturn> {
    try {
      return await this.#deleteVolume(vol, confirm);
    } finally {
      this.#cancelled.delete(vol);
    }
  }

  async #deleteVolume(vol: string, confirm: string | undefined): Promise<CommandReturn> {
    if (confirm !== "--yes-i-really-mean-it") {
      return [
        -EPERM,
        "",
        `WARNING: this will *PERMANENTLY DESTROY* all data stored in the filesystem '${vol}'. ` +
        "If you are *ABSOLUTELY CERTAIN* that is what you want, re-issue the command followed " +
        "by --yes-i-really-mean-it.",
      ];
    }
    const { stdout: out } = await this.check_mon_command({
      prefix: "config get",
      key: "mon_allow_pool_delete",
      who: "mon",
      format: "json",
    });
    if (!JSON.parse(out)) {
      return [
        -EPERM,
        "",
        "pool deletion is disabled; you must first set the mon_allow_pool_delete config option " +
        "to true before volumes can be deleted",
      ];
    }
    const ids = this.#poolIds(vol);
    if (!ids) return [-ENOENT, "", `volume ${vol} doesn't exist`];
    const metaPool = this.#poolName(ids.metadata);
    const dataPools = ids.data.map((id) => this.#poolName(id));
    // purge_queue.cancel_jobs and connection_pool.del_connections: no client left on it.
    this.#cancelled.add(vol);
    await this.cephfs.unmount(vol);
    try {
      raise_if_exception(await this.#orch<string>("remove_service", `mds.${vol}`));
    } catch (e) {
      if (e instanceof OrchestratorError) {
        this.log.warning("OrchestratorError, not tearing down MDS daemons");
      } else {
        this.log.error(`Failed to tear down MDS daemons: ${(e as Error).stack ?? e}`);
        return [-EINVAL, "", e instanceof OrchNotImplemented ? "" : (e as Error).message];
      }
    }
    // Without an orchestrator (or when it left them up) the daemons are forced down.
    if (!this.#volumes().includes(vol)) {
      const err = `Filesystem not found for volume '${vol}'`;
      this.log.warning(err);
      return [-ENOENT, "", err];
    }
    let [r, outb, outs] = await this.mon_command({ prefix: "fs fail", fs_name: vol });
    if (r !== 0) return [r, outb, outs];
    [r, outb, outs] = await this.mon_command({
      prefix: "fs rm",
      fs_name: vol,
      yes_i_really_mean_it: true,
    });
    if (r !== 0) return [r, outb, outs];
    [r, outb, outs] = await this.#removePool(metaPool);
    if (r !== 0) return [r, outb, outs];
    for (const pool of dataPools) {
      [r, outb, outs] = await this.#removePool(pool);
      if (r !== 0) return [r, outb, outs];
    }
    return [r, `metadata pool: ${metaPool} data pool: ${_pyStrList(dataPools)} removed`, ""];
  }

  /** volume_info: the subvolume tree's size, the pools' use and the mons' addresses. */
  async #info(vol: string, human: boolean): Promise<CommandReturn> {
    let fs: CephFSMount;
    try {
      fs = this.#open(vol);
    } catch (e) {
      if (e instanceof VolumeError) return [e.errno, "", e.message];
      throw e;
    }
    const info: Record<string, unknown> = {};
    try {
      const st = await fs.statx(SUBVOL_PREFIX);
      info.pending_subvolume_deletions = await this.#pendingDeletions(fs);
      info.used_size = human ? formatBytes(st.size, 5) : st.size;
    } catch (e) {
      // No subvolume tree yet (or it cannot be read): the source leaves the sizes out.
      if (!(e instanceof CephFSError)) throw e;
    }
    const stats = new Map(
      ((this.get("df") as DfDump | null)?.pools ?? []).map((p) => [p.id, p.stats]),
    );
    const ids = this.#poolIds(vol) ?? { metadata: -1, data: [] };
    const pools: Record<string, unknown[]> = { metadata: [], data: [] };
    for (const id of [ids.metadata, ...ids.data]) {
      const s = stats.get(id) ?? { bytes_used: 0, max_avail: 0 };
      pools[id === ids.metadata ? "metadata" : "data"]!.push({
        name: this.#poolName(id),
        used: human ? formatBytes(s.bytes_used, 5) : s.bytes_used,
        avail: human ? formatBytes(s.max_avail, 5) : s.max_avail,
      });
    }
    info.pools = pools;
    info.mon_addrs = this.#monAddrs();
    return [0, pythonJson(info, "json-pretty"), ""];
  }

  /** get_pending_subvol_deletions_count: the trash's entries, 0 without a trash. */
  async #pendingDeletions(fs: CephFSMount): Promise<number> {
    try {
      return (await fs.listdir(`${SUBVOL_PREFIX}/${TRASH_DIR}`)).length;
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) return 0;
      throw e;
    }
  }

  /** Runs `fn`; a VolumeException becomes its error tuple. */
  async #tuple(fn: () => Promise<CommandReturn>): Promise<CommandReturn> {
    try {
      return await fn();
    } catch (e) {
      const ve = _volumeError(e);
      if (ve instanceof VolumeError) return [ve.errno, "", ve.message];
      throw ve;
    }
  }

  /** Group(): a group's path, after the checks of its name. */
  #groupPath(group: string): string {
    if (group === NO_GROUP) {
      throw new VolumeError(
        -EPERM,
        `Operation not permitted for group '${group}' as it is an internal group.`,
      );
    }
    if (INTERNAL_DIRS.includes(group)) {
      throw new VolumeError(
        -EINVAL,
        `'${group}' is an internal directory and not a valid group name.`,
      );
    }
    return `${SUBVOL_PREFIX}/${group}`;
  }

  /** open_group: the group's path, once it exists. */
  async #openGroup(fs: CephFSMount, group: string): Promise<string> {
    const path = this.#groupPath(group);
    try {
      await fs.statx(path);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) {
        throw new VolumeError(-ENOENT, `subvolume group '${group}' does not exist`);
      }
      throw _volumeError(e);
    }
    return path;
  }

  /** get_ancestor_xattr: the xattr of `path` or of its nearest ancestor that has it. */
  async #ancestorXattr(fs: CephFSMount, path: string, name: string): Promise<string> {
    try {
      return await fs.getxattr(path, name);
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENODATA)) throw e;
      if (path === "/") throw _volumeError(e);
      const parent = path.slice(0, path.lastIndexOf("/")) || "/";
      return this.#ancestorXattr(fs, parent, name);
    }
  }

  /** set_group_attrs: quota, data pool layout, owner and mode, in the source's order. */
  async #setGroupAttrs(fs: CephFSMount, path: string, attrs: GroupAttrs): Promise<void> {
    if (attrs.size !== undefined) {
      try {
        await fs.setxattr(path, "ceph.quota.max_bytes", String(attrs.size));
      } catch (e) {
        if (e instanceof CephFSError && e.errno === EINVAL) {
          throw new VolumeError(-EINVAL, `invalid size specified: '${attrs.size}'`);
        }
        throw _volumeError(e);
      }
    }
    const pool = attrs.pool || await this.#ancestorXattr(fs, path, "ceph.dir.layout.pool");
    try {
      await fs.setxattr(path, "ceph.dir.layout.pool", pool);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === EINVAL) {
        throw new VolumeError(
          -EINVAL,
          `Invalid pool layout '${pool}'. It must be a valid data pool`,
        );
      }
      throw e;
    }
    if (attrs.uid !== undefined && attrs.uid < 0) throw new VolumeError(-EINVAL, "invalid UID");
    if (attrs.gid !== undefined && attrs.gid < 0) throw new VolumeError(-EINVAL, "invalid GID");
    await fs.chown(path, attrs.uid ?? 0, attrs.gid ?? 0);
    if (attrs.mode !== undefined) await fs.lchmod(path, attrs.mode);
  }

  /** create_subvolume_group: idempotent; a new group is removed again when its attrs fail. */
  async #groupCreate(
    vol: string,
    group: string,
    a: { size?: number; pool?: string; mode: string; uid?: number; gid?: number },
  ): Promise<CommandReturn> {
    const fs = this.#open(vol);
    let path: string | undefined;
    try {
      path = await this.#openGroup(fs, group);
    } catch (e) {
      if (!(e instanceof VolumeError && e.errno === -ENOENT)) throw e;
    }
    if (path !== undefined) {
      await this.#setGroupAttrs(fs, path, { ...a, mode: _octal(a.mode) });
      return [0, "", ""];
    }
    const mode = _octal(a.mode);
    path = this.#groupPath(group);
    // create_base_dir
    try {
      await fs.statx(SUBVOL_PREFIX);
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENOENT)) throw _volumeError(e);
      await fs.mkdirs(SUBVOL_PREFIX, DEFAULT_MODE);
    }
    await fs.mkdir(path, mode);
    try {
      await this.#setGroupAttrs(fs, path, { size: a.size, pool: a.pool, uid: a.uid, gid: a.gid });
    } catch (e) {
      try {
        await fs.rmdir(path);
      } catch (ce) {
        this.log.debug(`failed to clean up subvolume group ${group} with path: ${path} (${ce})`);
      }
      throw _volumeError(e);
    }
    return [0, "", ""];
  }

  /** remove_subvolume_group: an empty group; --force takes a missing one as removed. */
  async #groupRm(vol: string, group: string, force: boolean): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const path = this.#groupPath(group);
      try {
        await fs.rmdir(path);
      } catch (e) {
        if (e instanceof CephFSError && e.errno === ENOENT) {
          throw new VolumeError(-ENOENT, `subvolume group '${group}' does not exist`);
        }
        throw _volumeError(e);
      }
    } catch (e) {
      if (force && e instanceof VolumeError && e.errno === -ENOENT) return [0, "", ""];
      throw e;
    }
    return [0, "", ""];
  }

  /** subvolumegroup_info: Group.info() and the mons' addresses. */
  async #groupInfo(vol: string, group: string): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const path = await this.#openGroup(fs, group);
    const st = await fs.statx(path);
    let quota = 0;
    try {
      quota = Number(await fs.getxattr(path, "ceph.quota.max_bytes"));
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENODATA)) throw e;
    }
    const dataPool = await fs.getxattr(path, "ceph.dir.layout.pool").catch((e) => {
      throw _volumeError(e);
    });
    const info = {
      uid: st.uid,
      gid: st.gid,
      atime: _pyTime(st.atime),
      mtime: _pyTime(st.mtime),
      ctime: _pyTime(st.ctime),
      mode: st.mode,
      data_pool: dataPool,
      created_at: _pyTime(st.btime),
      bytes_quota: quota === 0 ? "infinite" : quota,
      bytes_used: st.size,
      bytes_pcent: quota === 0 ? "undefined" : (st.size / quota * 100).toFixed(2),
      mon_addrs: this.#monAddrs(),
    };
    return [0, pythonJson(info, "json-pretty"), ""];
  }

  /** resize_subvolume_group: Group.resize, a quota in bytes or `inf`/`infinite` (none). */
  async #groupResize(
    vol: string,
    group: string,
    size: string,
    noShrink: boolean,
  ): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const path = await this.#openGroup(fs, group);
    const newSize = _resizeBytes(size, "subvolume group");
    if (newSize === 0) noShrink = false;
    let maxBytes = 0;
    try {
      maxBytes = Number(await fs.getxattr(path, "ceph.quota.max_bytes"));
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENODATA)) throw _volumeError(e);
    }
    const used = (await fs.statx(path)).size;
    if (newSize > 0 && newSize < used && noShrink) {
      throw new VolumeError(
        -EINVAL,
        `Can't resize the subvolume group. The new size '${newSize}' would be lesser than the ` +
          `current used size '${used}'`,
      );
    }
    if (newSize !== maxBytes) {
      try {
        await fs.setxattr(path, "ceph.quota.max_bytes", String(newSize));
      } catch (e) {
        if (!(e instanceof CephFSError)) throw e;
        throw new VolumeError(
          -e.errno,
          `Cannot set new size for the subvolume group. '${e.what}'`,
        );
      }
    }
    const pcent = newSize === 0 ? "undefined" : (used / newSize * 100).toFixed(2);
    return [
      0,
      pythonJson(
        [{ bytes_used: used }, { bytes_quota: newSize }, { bytes_pcent: pcent }],
        "json-pretty",
      ),
      "",
    ];
  }

  /** The groups: /volumes's directories but the internal ones. */
  async #groupNames(fs: CephFSMount): Promise<string[]> {
    try {
      return (await fs.listdir(SUBVOL_PREFIX))
        .filter((e) => e.is_dir && !INTERNAL_DIRS.includes(e.name)).map((e) => e.name);
    } catch (e) {
      throw _volumeError(e);
    }
  }

  /** list_subvolume_groups: none while /volumes does not exist. */
  async #groupLs(vol: string): Promise<CommandReturn> {
    const fs = this.#open(vol);
    try {
      const names = await this.#groupNames(fs);
      return [0, pythonJson(names.map((name) => ({ name })), "json-pretty"), ""];
    } catch (e) {
      if (e instanceof VolumeError && e.errno === -ENOENT) return [0, "[]", ""];
      throw e;
    }
  }

  /** subvolume_group_exists. */
  async #groupExist(vol: string): Promise<CommandReturn> {
    const fs = this.#open(vol);
    try {
      const any = (await this.#groupNames(fs)).length > 0;
      return [0, any ? "subvolumegroup exists" : "no subvolumegroup exists", ""];
    } catch (e) {
      if (e instanceof VolumeError && e.errno === -ENOENT) {
        return [0, "no subvolumegroup exists", ""];
      }
      throw e;
    }
  }

  #monAddrs(): string[] {
    const mons = (this.get("mon_map") as { mons?: { addr: string }[] } | null)?.mons ?? [];
    return mons.map((m) => m.addr.split("/")[0]!);
  }

  /** open_group for a subvolume: no name is the default group, which may not exist yet. */
  async #subvolGroup(fs: CephFSMount, group: string | undefined): Promise<SubvolGroup> {
    const path = group === undefined ? `${SUBVOL_PREFIX}/${NO_GROUP}` : this.#groupPath(group);
    const name = group ?? NO_GROUP;
    try {
      const st = await fs.statx(path);
      return { name, path, uid: st.uid, gid: st.gid };
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENOENT)) throw _volumeError(e);
      if (group !== undefined) {
        throw new VolumeError(-ENOENT, `subvolume group '${group}' does not exist`);
      }
      return { name, path };
    }
  }

  /** The subvolume's `.meta` (MetadataManager.refresh), or undefined when there is none. */
  async #readMeta(fs: CephFSMount, base: string): Promise<Map<string, Map<string, string>>> {
    let text: string;
    try {
      text = new TextDecoder().decode(await fs.readFile(`${base}/.meta`));
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) {
        throw new MetaError(-ENOENT, `metadata config '${base}/.meta' not found`);
      }
      throw new MetaError(-(e as CephFSError).errno, (e as CephFSError).what);
    }
    return _parseIni(text);
  }

  /** MetadataManager.flush: `.meta.tmp` written and synced, then renamed over `.meta`. */
  async #writeMeta(fs: CephFSMount, base: string, meta: Map<string, Map<string, string>>) {
    const data = new TextEncoder().encode(_writeIni(meta));
    try {
      await fs.writeFile(`${base}/.meta.tmp`, data, 0o640);
      await fs.rename(`${base}/.meta.tmp`, `${base}/.meta`);
    } catch (e) {
      if (!(e instanceof CephFSError)) throw e;
      throw new MetaError(-e.errno, e.what);
    }
  }

  /**
   * open_subvol: discover (the base directory and its `.meta`, whose path must lie in it),
   * then SubvolumeV2.open (the mark, and the data directory's owner).
   */
  async #openSubvol(
    fs: CephFSMount,
    group: SubvolGroup,
    name: string,
    op: SubvolOp,
  ): Promise<Subvol> {
    const base = `${group.path}/${name}`;
    try {
      await fs.statx(base);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) {
        throw new VolumeError(-ENOENT, `subvolume '${name}' does not exist`);
      }
      throw new VolumeError(-(e as CephFSError).errno, `error accessing subvolume '${name}'`);
    }
    let meta: Map<string, Map<string, string>>;
    try {
      meta = await this.#readMeta(fs, base);
    } catch (e) {
      // A base directory without a v2 `.meta` is a legacy subvolume, which mgrd cannot open.
      if (e instanceof MetaError) {
        this.log.error(`error accessing subvolume metadata for '${name}' (${e.message})`);
        throw new VolumeError(-EINVAL, "error accessing subvolume metadata");
      }
      throw e;
    }
    const global = meta.get("GLOBAL");
    const path = global?.get("path") ?? "";
    const state = global?.get("state") ?? "";
    // A subvolume with only its snapshots retained has an empty path.
    const retained = state === STATE_RETAINED;
    if (
      global?.get("version") !== "2" ||
      (!retained && path.slice(0, path.lastIndexOf("/")) !== base)
    ) {
      this.log.error(`error accessing subvolume metadata for '${name}' (not a v2 subvolume)`);
      throw new VolumeError(-EINVAL, "error accessing subvolume metadata");
    }
    await this.#cleanStaleSnapMetadata(fs, base, meta);
    try {
      await fs.setxattr(base, "ceph.dir.subvolume", "1");
    } catch (e) {
      if (e instanceof CephFSError && e.errno === EINVAL) {
        throw new VolumeError(-EINVAL, "invalid value specified for ceph.dir.subvolume");
      }
      throw _volumeError(e);
    }
    const type = global.get("type") ?? "";
    if (type !== "clone" && CLONE_ONLY_OPS.has(op)) {
      throw new VolumeError(
        -EOPNOTSUPP,
        `operation '${op}' is not allowed on subvolume '${name}' of type ${type}`,
      );
    }
    if (state !== "complete" && !(retained ? RETAINED_OPS : INCOMPLETE_OPS).has(op)) {
      if (retained) {
        throw new VolumeError(
          -ENOENT,
          `subvolume '${name}' is removed and has only snapshots retained`,
        );
      }
      throw new VolumeError(-EAGAIN, `subvolume '${name}' is not ready for operation ${op}`);
    }
    if (retained) return { name, group, base, path, meta, state, type, uid: 0, gid: 0 };
    let st;
    try {
      st = await fs.statx(path);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) {
        throw new VolumeError(-ENOENT, `mount path missing for subvolume '${name}'`);
      }
      throw _volumeError(e);
    }
    return { name, group, base, path, meta, state, type, uid: st.uid, gid: st.gid };
  }

  /**
   * clean_stale_snapshot_metadata: the SNAP_METADATA sections of snapshots that are gone
   * leave `.meta` (a failure to write it is logged, as the source does).
   */
  async #cleanStaleSnapMetadata(
    fs: CephFSMount,
    base: string,
    meta: Map<string, Map<string, string>>,
  ): Promise<void> {
    const sections = [...meta.keys()].filter((k) => k.startsWith(SNAP_META_PREFIX));
    if (sections.length === 0) return;
    const snaps = await this.#snapshots(fs, base);
    for (const section of sections) {
      if (snaps.includes(section.slice(SNAP_META_PREFIX.length))) continue;
      meta.delete(section);
      await this.#writeMeta(fs, base, meta).catch((e) => {
        if (!(e instanceof MetaError)) throw e;
        this.log.error(`Failed to remove stale snap metadata on snap=${section} (${e.message})`);
      });
    }
  }

  /** SubvolumeBase.set_attrs: quota, pool layout or namespace, owner, mode. */
  async #setSubvolAttrs(fs: CephFSMount, sv: SubvolTarget, path: string, a: SubvolAttrs) {
    if (a.size !== undefined) {
      try {
        await fs.setxattr(path, "ceph.quota.max_bytes", String(a.size));
      } catch (e) {
        if (e instanceof CephFSError && e.errno === EINVAL) {
          throw new VolumeError(-EINVAL, `invalid size specified: '${a.size}'`);
        }
        throw _volumeError(e);
      }
    }
    if (a.pool !== undefined) {
      try {
        await fs.setxattr(path, "ceph.dir.layout.pool", a.pool);
      } catch (e) {
        if (e instanceof CephFSError && e.errno === EINVAL) {
          throw new VolumeError(
            -EINVAL,
            `invalid pool layout '${a.pool}' -- need a valid data pool`,
          );
        }
        throw _volumeError(e);
      }
    }
    let key: string | undefined, val: string | undefined;
    if (a.namespace !== undefined) {
      [key, val] = ["ceph.dir.layout.pool_namespace", a.namespace];
    } else if (!a.pool) {
      // Without a layout of its own the subvolume's pool would follow its ancestors'.
      key = "ceph.dir.layout.pool";
      try {
        await fs.getxattr(path, key);
      } catch (e) {
        if (!(e instanceof CephFSError && e.errno === ENODATA)) throw e;
        val = await this.#ancestorXattr(fs, path.slice(0, path.lastIndexOf("/")), key);
      }
    }
    if (key && val) {
      await fs.setxattr(path, key, val).catch((e) => {
        throw _volumeError(e);
      });
    }
    const uid = a.uid ?? sv.group.uid, gid = a.gid ?? sv.group.gid;
    if (a.uid !== undefined && a.uid < 0) throw new VolumeError(-EINVAL, "invalid UID");
    if (a.gid !== undefined && a.gid < 0) throw new VolumeError(-EINVAL, "invalid GID");
    if (uid !== undefined && gid !== undefined) await fs.chown(path, uid, gid);
    if (a.mode !== undefined) await fs.lchmod(path, a.mode);
  }

  /** The auth-ID metadata file of a subvolume (AuthMetadataManager): `_<group>:<name>.meta`. */
  #authMetaPath(group: SubvolGroup, name: string): string {
    return `${SUBVOL_PREFIX}/_${group.name === NO_GROUP ? "" : group.name}:${name}.meta`;
  }

  /** create_subvolume: idempotent (an existing one takes the attributes again). */
  async #subvolCreate(
    vol: string,
    name: string,
    groupName: string | undefined,
    a: {
      size?: number;
      pool?: string;
      uid?: number;
      gid?: number;
      mode: string;
      isolated: boolean;
    },
  ): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const group = await this.#subvolGroup(fs, groupName);
    const namespace = a.isolated ? `${NS_PREFIX}${name}` : undefined;
    let sv: Subvol | undefined;
    try {
      sv = await this.#openSubvol(fs, group, name, "create");
    } catch (e) {
      if (!(e instanceof VolumeError && e.errno === -ENOENT)) throw e;
    }
    if (sv) {
      await this.#setSubvolAttrs(fs, sv, sv.path, {
        uid: a.uid || sv.uid,
        gid: a.gid || sv.gid,
        mode: _octal(a.mode),
        pool: a.pool,
        namespace,
        size: a.size,
      });
      return [0, "", ""];
    }
    const mode = _octal(a.mode);
    const base = `${group.path}/${name}`;
    // A removed subvolume whose snapshots stay takes a new data directory (an incarnation).
    const retained = await this.#retainedMeta(fs, base, name);
    if (retained && await this.#hasPendingPurges(fs, base)) {
      throw new VolumeError(-EAGAIN, "asynchronous purge of subvolume in progress");
    }
    const path = `${base}/${this.uuid4()}`;
    try {
      // create_base_dir of the group (the default group is made here).
      try {
        await fs.statx(group.path);
      } catch (e) {
        if (!(e instanceof CephFSError && e.errno === ENOENT)) throw _volumeError(e);
        await fs.mkdirs(group.path, DEFAULT_MODE);
      }
      await fs.mkdirs(path, mode);
      await fs.setxattr(base, "ceph.dir.subvolume", "1").catch((e) => {
        throw _volumeError(e);
      });
      await this.#setSubvolAttrs(fs, { group }, path, {
        uid: a.uid,
        gid: a.gid,
        pool: a.pool,
        namespace,
        size: a.size,
      });
      let meta = new Map([[
        "GLOBAL",
        new Map([["version", "2"], ["type", "subvolume"], ["path", path], ["state", "complete"]]),
      ]]);
      if (retained) {
        // _set_incarnation_metadata: the snapshots' metadata stays.
        const global = retained.get("GLOBAL")!;
        for (const [k, v] of [["type", "subvolume"], ["path", path], ["state", "complete"]]) {
          global.set(k!, v!);
        }
        meta = retained;
      }
      await this.#writeMeta(fs, base, meta);
      await fs.touch(this.#authMetaPath(group, name), 0o755);
    } catch (e) {
      try {
        if (retained) {
          this.log.info(`cleaning up subvolume incarnation with path: ${path}`);
          await fs.rmdir(path).catch((e) => {
            throw _volumeError(e);
          });
        } else {
          this.log.info(`cleaning up subvolume with path: ${name}`);
          await this.#trashBase(fs, group, name);
          void this.#purge(vol);
        }
      } catch (ce) {
        this.log.info(`failed to cleanup subvolume '${name}' (${ce})`);
      }
      if (e instanceof MetaError) {
        throw new VolumeError(-EINVAL, `exception in subvolume metadata: ${_strerror(-e.errno)}`);
      }
      throw _volumeError(e);
    }
    return [0, "", ""];
  }

  /** trash_base_dir: the subvolume's directory moves to the trash, its auth file goes. */
  async #trashBase(fs: CephFSMount, group: SubvolGroup, name: string): Promise<void> {
    const trash = `${SUBVOL_PREFIX}/${TRASH_DIR}`;
    try {
      await fs.statx(trash);
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENOENT)) throw _volumeError(e);
      await fs.mkdirs(trash, 0o700).catch((e) => {
        throw _volumeError(e);
      });
    }
    await fs.rename(`${group.path}/${name}`, `${trash}/${this.uuid4()}`).catch((e) => {
      throw _volumeError(e);
    });
    await fs.unlink(this.#authMetaPath(group, name)).catch((e) => {
      if (!(e instanceof CephFSError && e.errno === ENOENT)) throw e;
    });
  }

  /**
   * SubvolumeV2.retained: the subvolume's `.meta` when it says only its snapshots are
   * retained; undefined when it says otherwise or there is none.
   */
  async #retainedMeta(
    fs: CephFSMount,
    base: string,
    name: string,
  ): Promise<Map<string, Map<string, string>> | undefined> {
    try {
      const meta = await this.#readMeta(fs, base);
      return meta.get("GLOBAL")?.get("state") === STATE_RETAINED ? meta : undefined;
    } catch (e) {
      if (e instanceof MetaError && e.errno === -ENOENT) return undefined;
      if (e instanceof MetaError) {
        throw new VolumeError(e.errno, `internal error while processing subvolume '${name}'`);
      }
      throw e;
    }
  }

  /** has_pending_purges: data directories left in the subvolume's own trash. */
  async #hasPendingPurges(fs: CephFSMount, base: string): Promise<boolean> {
    try {
      return (await fs.listdir(`${base}/${SUBVOL_TRASH}`)).some((e) => e.is_dir);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) return false;
      throw _volumeError(e);
    }
  }

  /**
   * trash_incarnation_dir: the data directory moves to the subvolume's own trash, and the
   * volume's trash links to it (the purge follows the link).
   */
  async #trashIncarnation(fs: CephFSMount, sv: Subvol): Promise<void> {
    const own = `${sv.base}/${SUBVOL_TRASH}`;
    try {
      await fs.statx(own);
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENOENT)) throw _volumeError(e);
      await fs.mkdir(own, 0o700).catch((e) => {
        throw _volumeError(e);
      });
    }
    const bname = sv.path.slice(sv.path.lastIndexOf("/") + 1);
    const to = `${own}/${bname}`;
    const trash = `${SUBVOL_PREFIX}/${TRASH_DIR}`;
    try {
      await fs.rename(sv.path, to);
      await fs.statx(trash).catch(async (e) => {
        if (!(e instanceof CephFSError && e.errno === ENOENT)) throw e;
        await fs.mkdirs(trash, 0o700);
      });
      await fs.symlink(to, `${trash}/${bname}`);
    } catch (e) {
      throw _volumeError(e);
    }
    this.log.info(`subvolume path '${to}' linked in trashcan bname ${bname}`);
  }

  /**
   * remove_subvolume (SubvolumeV2.remove): to the trash, purged in the background; with
   * snapshots, refused, or with --retain-snapshots only the data directory goes and the
   * subvolume is left 'snapshot-retained'; --force takes a missing one.
   */
  async #subvolRm(
    vol: string,
    name: string,
    groupName: string | undefined,
    force: boolean,
    retainSnaps: boolean,
  ): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const group = await this.#subvolGroup(fs, groupName);
      const sv = await this.#openSubvol(fs, group, name, force ? "rm-force" : "rm");
      const snaps = await this.#snapshots(fs, sv.base);
      if (snaps.length > 0) {
        if (!retainSnaps) throw new VolumeError(-ENOTEMPTY, `subvolume '${name}' has snapshots`);
      } else if (!["complete", ...CLONE_STOPPED, STATE_RETAINED].includes(sv.state)) {
        // safe_to_remove_subvolume_clone: a clone on its way must be canceled first.
        throw new VolumeError(
          -EAGAIN,
          `${name} clone in-progress -- please cancel the clone and retry`,
        );
      } else if (!await this.#hasPendingPurges(fs, sv.base)) {
        await this.#trashBase(fs, group, name);
        void this.#purge(vol);
        return [0, "", ""];
      }
      if (sv.state !== STATE_RETAINED) {
        await this.#trashIncarnation(fs, sv);
        sv.meta.delete(USER_METADATA);
        const global = sv.meta.get("GLOBAL")!;
        global.set("path", "");
        global.set("state", STATE_RETAINED);
        await this.#writeMeta(fs, sv.base, sv.meta).catch((e) => {
          if (!(e instanceof MetaError)) throw e;
          throw new VolumeError(e.errno, e.message);
        });
        await fs.unlink(this.#authMetaPath(group, name)).catch((e) => {
          if (!(e instanceof CephFSError && e.errno === ENOENT)) throw e;
        });
      }
      void this.#purge(vol);
    } catch (e) {
      const ve = _volumeError(e);
      if (ve instanceof VolumeError && ve.errno === -EAGAIN && !force) {
        throw new VolumeError(ve.errno, `${ve.message} (use --force to override)`);
      }
      if (force && ve instanceof VolumeError && ve.errno === -ENOENT) return [0, "", ""];
      throw ve;
    }
    return [0, "", ""];
  }

  /** listsnaps: the snapshots of a directory (its `.snap`), inherited ones (`_...`) left out. */
  async #snapshots(fs: CephFSMount, dir: string): Promise<string[]> {
    try {
      return (await fs.listdir(`${dir}/${SNAP_DIR}`)).filter((e) => e.is_dir).map((e) => e.name)
        .filter((n) => !n.startsWith("_"));
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) return [];
      throw _volumeError(e);
    }
  }

  /** The purge queue's job for a volume: every trash entry removed, depth first. */
  async #purge(vol: string): Promise<void> {
    if (this.#purging.has(vol)) return;
    this.#purging.add(vol);
    try {
      const fs = this.cephfs.mount(vol);
      const trash = `${SUBVOL_PREFIX}/${TRASH_DIR}`;
      for (;;) {
        const entries = await fs.listdir(trash).catch(() => []);
        if (entries.length === 0 || this.shutting_down || this.#cancelled.has(vol)) return;
        for (const e of entries) {
          if (this.#cancelled.has(vol)) return;
          try {
            await this.#purgeEntry(fs, `${trash}/${e.name}`);
          } catch (err) {
            // The purge thread logs a failed entry and, a second later, takes it again.
            if (!(err instanceof CephFSError || err instanceof VolumeError)) throw err;
            this.log.warning(`failed to remove trash entry: ${err.message}`);
            await this.sleep(1);
          }
        }
      }
    } catch (e) {
      this.log.error(`purge of volume '${vol}' stopped: ${(e as Error).message}`);
    } finally {
      this.#purging.delete(vol);
    }
  }

  /**
   * purge_trash_entry_for_volume: a trash entry removed; a link (to a retained subvolume's
   * old data directory) has its target removed, then the subvolume itself once nothing but
   * an empty shell is left of it (subvolume_purge), then the link.
   */
  async #purgeEntry(fs: CephFSMount, path: string): Promise<void> {
    const st = await fs.statx(path);
    if ((st.mode & S_IFMT) !== S_IFLNK) return await this.#rmtree(fs, path, st.is_dir);
    const target = await fs.readlink(path);
    await this.#rmtree(fs, target, true).catch((e) => {
      if (!(e instanceof CephFSError && e.errno === ENOENT)) throw e;
    });
    await this.#subvolumePurge(fs, target);
    await fs.unlink(path);
  }

  /** subvolume_purge: the retained subvolume of a trash link goes once it is purgeable. */
  async #subvolumePurge(fs: CephFSMount, target: string): Promise<void> {
    // resolve_trash: /volumes/<group>/<subvolume>/.trash/<uuid>
    const parts = target.split("/");
    if (parts.length !== 6 || `/${parts[1]}` !== SUBVOL_PREFIX || parts[4] !== SUBVOL_TRASH) {
      return;
    }
    try {
      const group = await this.#subvolGroup(fs, parts[2] === NO_GROUP ? undefined : parts[2]);
      const sv = await this.#openSubvol(fs, group, parts[3]!, "rm");
      if (await this.#purgeable(fs, sv)) await this.#rmtree(fs, sv.base, true);
    } catch (e) {
      const ve = _volumeError(e);
      if (!(ve instanceof VolumeError && ve.errno === -ENOENT)) throw ve;
    }
  }

  /** SubvolumeV2.purgeable: retained, without snapshots or data directories to purge. */
  async #purgeable(fs: CephFSMount, sv: Subvol): Promise<boolean> {
    return sv.state === STATE_RETAINED && (await this.#snapshots(fs, sv.base)).length === 0 &&
      !await this.#hasPendingPurges(fs, sv.base);
  }

  /** Trash.purge's rmtree: depth first; a directory gone meanwhile is no error. */
  async #rmtree(fs: CephFSMount, path: string, dir: boolean): Promise<void> {
    if (!dir) return await fs.unlink(path);
    let entries;
    try {
      entries = await fs.listdir(path);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) return;
      throw e;
    }
    for (const e of entries) await this.#rmtree(fs, `${path}/${e.name}`, e.is_dir);
    await fs.rmdir(path);
  }

  /** subvolume_info: SubvolumeBase.info() and the mons' addresses. */
  async #subvolInfo(vol: string, name: string, groupName?: string): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const sv = await this.#openSubvol(fs, await this.#subvolGroup(fs, groupName), name, "info");
    if (sv.state === STATE_RETAINED) {
      const info = {
        type: sv.meta.get("GLOBAL")!.get("type") ?? "",
        features: SUBVOL_FEATURES,
        state: STATE_RETAINED,
        mon_addrs: this.#monAddrs(),
      };
      return [0, pythonJson(info, "json-pretty"), ""];
    }
    const st = await fs.statx(sv.path).catch((e) => {
      throw _volumeError(e);
    });
    let quota = 0;
    try {
      quota = Number(await fs.getxattr(sv.path, "ceph.quota.max_bytes"));
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENODATA)) throw e;
    }
    let dataPool: string, namespace: string;
    try {
      dataPool = await fs.getxattr(sv.path, "ceph.dir.layout.pool");
      namespace = await fs.getxattr(sv.path, "ceph.dir.layout.pool_namespace");
    } catch (e) {
      throw _volumeError(e);
    }
    const global = sv.meta.get("GLOBAL")!;
    const info = {
      path: sv.path,
      type: global.get("type") ?? "",
      uid: st.uid,
      gid: st.gid,
      atime: _pyTime(st.atime),
      mtime: _pyTime(st.mtime),
      ctime: _pyTime(st.ctime),
      mode: st.mode,
      data_pool: dataPool,
      created_at: _pyTime(st.btime),
      bytes_quota: quota === 0 ? "infinite" : quota,
      bytes_used: st.size,
      bytes_pcent: quota === 0 ? "undefined" : (st.size / quota * 100).toFixed(2),
      pool_namespace: namespace,
      features: SUBVOL_FEATURES,
      state: global.get("state") ?? "",
      mon_addrs: this.#monAddrs(),
    };
    return [0, pythonJson(info, "json-pretty"), ""];
  }

  /** resize_subvolume: SubvolumeBase._resize on the data directory. */
  async #subvolResize(
    vol: string,
    name: string,
    groupName: string | undefined,
    size: string,
    noShrink: boolean,
  ): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const sv = await this.#openSubvol(fs, await this.#subvolGroup(fs, groupName), name, "resize");
    const newSize = _resizeBytes(size, "subvolume");
    if (newSize === 0) noShrink = false;
    let maxBytes = 0;
    try {
      maxBytes = Number(await fs.getxattr(sv.path, "ceph.quota.max_bytes"));
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENODATA)) throw _volumeError(e);
    }
    const used = (await fs.statx(sv.path)).size;
    if (newSize > 0 && newSize < used && noShrink) {
      throw new VolumeError(
        -EINVAL,
        `Can't resize the subvolume. The new size '${newSize}' would be lesser than the current ` +
          `used size '${used}'`,
      );
    }
    if (newSize !== maxBytes) {
      try {
        await fs.setxattr(sv.path, "ceph.quota.max_bytes", String(newSize));
      } catch (e) {
        if (!(e instanceof CephFSError)) throw e;
        throw new VolumeError(-e.errno, `Cannot set new size for the subvolume. '${e.what}'`);
      }
    }
    const pcent = newSize === 0 ? "undefined" : (used / newSize * 100).toFixed(2);
    return [
      0,
      pythonJson(
        [{ bytes_used: used }, { bytes_quota: newSize }, { bytes_pcent: pcent }],
        "json-pretty",
      ),
      "",
    ];
  }

  /** The subvolumes of a group: its directories (none while the default group is not made). */
  async #subvolNames(vol: string, groupName: string | undefined): Promise<string[]> {
    const fs = this.#open(vol);
    const group = await this.#subvolGroup(fs, groupName);
    try {
      return (await fs.listdir(group.path)).filter((e) => e.is_dir).map((e) => e.name);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT && groupName === undefined) return [];
      throw _volumeError(e);
    }
  }

  /** SubvolumeBase's user metadata: `fs subvolume metadata set/get/ls/rm` in `.meta`. */
  async #subvolMetadata(
    op: "set" | "get" | "ls" | "rm",
    vol: string,
    name: string,
    groupName: string | undefined,
    key: string,
    value: string,
    force: boolean,
  ): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const sv = await this.#openSubvol(
        fs,
        await this.#subvolGroup(fs, groupName),
        name,
        `user-metadata-${op}`,
      );
      // configparser's optionxform: keys are lower case.
      const k = key.toLowerCase();
      const user = sv.meta.get(USER_METADATA);
      switch (op) {
        case "set": {
          const section = user ?? new Map<string, string>();
          section.set(k, value);
          sv.meta.set(USER_METADATA, section);
          await this.#writeMeta(fs, sv.base, sv.meta).catch((e) => {
            if (!(e instanceof MetaError)) throw e;
            throw new VolumeError(e.errno, e.message);
          });
          return [0, "", ""];
        }
        case "get": {
          const v = user?.get(k);
          if (v === undefined) throw new VolumeError(-ENOENT, `key '${key}' does not exist.`);
          return [0, v, ""];
        }
        case "ls":
          return [0, pythonJson(Object.fromEntries(user ?? []), "json-pretty"), ""];
        case "rm": {
          if (!user) throw new VolumeError(-ENOENT, "subvolume metadata does not exist");
          if (!user.delete(k)) throw new VolumeError(-ENOENT, `key '${key}' does not exist.`);
          await this.#writeMeta(fs, sv.base, sv.meta).catch((e) => {
            if (!(e instanceof MetaError)) throw e;
            throw new VolumeError(e.errno, e.message);
          });
          return [0, "", ""];
        }
      }
    } catch (e) {
      if (op === "rm" && force && e instanceof VolumeError && e.errno === -ENOENT) {
        return [0, "", ""];
      }
      throw e;
    }
  }

  /**
   * The subvolume snapshot commands: create (idempotent; not under a group snapshot's name),
   * rm (its metadata, then the snapshot; the last one of a retained subvolume takes the
   * subvolume with it), ls, info (the snapshot's data directory's `ceph.snap.btime` and
   * pool), and the deprecated protect/unprotect, which only open the subvolume.
   */
  async #subvolSnapshot(
    verb: SnapVerb,
    vol: string,
    name: string,
    groupName: string | undefined,
    snap: string,
    force: boolean,
  ): Promise<CommandReturn> {
    if (verb === "rm") return await this.#snapRm(vol, name, groupName, snap, force);
    const fs = this.#open(vol);
    const group = await this.#subvolGroup(fs, groupName);
    const sv = await this.#openSubvol(fs, group, name, `snap-${verb}`);
    switch (verb) {
      case "create": {
        try {
          await fs.statx(`${group.path}/${SNAP_DIR}/${snap}`);
        } catch (e) {
          if (!(e instanceof CephFSError)) throw e;
          if (e.errno !== ENOENT) throw _volumeError(e);
          await this.#mksnap(fs, `${sv.base}/${SNAP_DIR}/${snap}`);
          return [0, "", ""];
        }
        throw new VolumeError(-EINVAL, "subvolumegroup and subvolume snapshot name can't be same");
      }
      case "ls": {
        const names = await this.#snapshots(fs, sv.base);
        return [0, pythonJson(names.map((name) => ({ name })), "json-pretty"), ""];
      }
      case "info":
        return [0, pythonJson(await this.#snapInfo(fs, sv, snap), "json-pretty"), ""];
      case "protect":
      case "unprotect":
        this.log.warning(
          `snapshot ${verb} call is deprecated and will be removed in a future release`,
        );
        return [
          0,
          "",
          `Deprecation warning: 'snapshot ${verb}' call is deprecated and will be removed in a ` +
          "future release",
        ];
    }
  }

  /** mksnap: a snapshot, or nothing when there is one of that name. */
  async #mksnap(fs: CephFSMount, path: string): Promise<void> {
    try {
      await fs.mkdir(path, 0o755);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === EEXIST) return;
      throw _volumeError(e);
    }
  }

  /** rmsnap: the snapshot at `path` (named in bytes' repr when missing, as the source does). */
  async #rmsnap(fs: CephFSMount, path: string): Promise<void> {
    try {
      await fs.statx(path);
      await fs.rmdir(path);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) {
        const base = path.slice(path.lastIndexOf("/") + 1);
        throw new VolumeError(-ENOENT, `snapshot '${_pyBytesRepr(base)}' does not exist`);
      }
      throw _volumeError(e);
    }
  }

  /** remove_subvolume_snapshot (SubvolumeV2.remove_snapshot). */
  async #snapRm(
    vol: string,
    name: string,
    groupName: string | undefined,
    snap: string,
    force: boolean,
  ): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const group = await this.#subvolGroup(fs, groupName);
      const sv = await this.#openSubvol(fs, group, name, "snap-rm");
      if (this.#cloneTracks(sv, snap).length > 0) {
        throw new VolumeError(-EAGAIN, `snapshot '${snap}' has pending clones`);
      }
      sv.meta.delete(`${SNAP_META_PREFIX}${snap}`);
      try {
        await this.#writeMeta(fs, sv.base, sv.meta);
      } catch (e) {
        if (!(e instanceof MetaError)) throw e;
        if (!force) {
          throw new VolumeError(
            -EAGAIN,
            `failed to remove snapshot metadata on snap=${snap} reason=${e.errno} ${e.message}`,
          );
        }
        this.log.info(`Allowing snapshot removal on failure of it's metadata removal with force`);
      }
      await this.#rmsnap(fs, `${sv.base}/${SNAP_DIR}/${snap}`);
      if (await this.#purgeable(fs, sv)) {
        await this.#trashBase(fs, group, name);
        throw new VolumeError(
          -ESTALE,
          `subvolume '${name}' has been removed as the last retained snapshot is removed`,
        );
      }
    } catch (e) {
      const ve = _volumeError(e);
      // ESTALE: the subvolume went to the trash with its last snapshot; the purge takes it.
      if (ve instanceof VolumeError && ve.errno === -ESTALE) void this.#purge(vol);
      else if (!(force && ve instanceof VolumeError && ve.errno === -ENOENT)) throw ve;
    }
    return [0, "", ""];
  }

  /** snapshot_data_path: the snapshot's directory named as a UUID (the last one listed). */
  async #snapshotDataPath(fs: CephFSMount, sv: Subvol, snap: string): Promise<string> {
    const missing = () => new VolumeError(-ENOENT, `snapshot '${snap}' does not exist`);
    const snapBase = `${sv.base}/${SNAP_DIR}/${snap}`;
    let uuid: string | undefined;
    try {
      for (const e of await fs.listdir(snapBase)) {
        const st = await fs.statx(`${snapBase}/${e.name}`);
        if ((st.mode & S_IFMT) === S_IFDIR && _isUuid(e.name)) uuid = e.name;
      }
    } catch (e) {
      throw e instanceof CephFSError && e.errno === ENOENT ? missing() : _volumeError(e);
    }
    if (uuid === undefined) throw missing();
    return `${snapBase}/${uuid}`;
  }

  /** snapshot_info: when the snapshot was taken, its data pool, and its pending clones. */
  async #snapInfo(fs: CephFSMount, sv: Subvol, snap: string): Promise<Record<string, unknown>> {
    if (snap.startsWith("_")) {
      throw new VolumeError(-EINVAL, `snapshot name '${snap}' is invalid`);
    }
    const missing = () => new VolumeError(-ENOENT, `snapshot '${snap}' does not exist`);
    const asVolumeError = (e: unknown) =>
      e instanceof CephFSError && e.errno === ENOENT ? missing() : _volumeError(e);
    const path = await this.#snapshotDataPath(fs, sv, snap);
    try {
      const btime = await fs.getxattr(path, "ceph.snap.btime");
      const pool = await fs.getxattr(path, "ceph.dir.layout.pool");
      return {
        created_at: _pyTimeMicro(Number(btime)),
        data_pool: pool,
        ...await this.#pendingClones(fs, sv, snap),
      };
    } catch (e) {
      throw asVolumeError(e);
    }
  }

  /** The track ids of the clones being made from `snap` (the `clone snaps` section). */
  #cloneTracks(sv: Subvol, snap: string): string[] {
    return [...sv.meta.get(CLONE_SNAPS) ?? []].filter(([, s]) => s === snap).map(([t]) => t);
  }

  /** get_pending_clones: the clones of `snap` named from their index links. */
  async #pendingClones(fs: CephFSMount, sv: Subvol, snap: string) {
    const tracks = this.#cloneTracks(sv, snap);
    if (tracks.length === 0) return { has_pending_clones: "no" };
    try {
      await fs.statx(CLONE_INDEX);
    } catch (e) {
      this.log.warning(`failed to open clone index '${e}' for snapshot '${snap}'`);
      throw new VolumeError(-EINVAL, "failed to open clone index");
    }
    const clones: Record<string, string>[] = [];
    let orphans = 0;
    for (const track of tracks) {
      let link: string;
      try {
        link = await fs.readlink(`${CLONE_INDEX}/${track}`);
      } catch (e) {
        if (!(e instanceof CephFSError && e.errno === ENOENT)) throw _volumeError(e);
        orphans++;
        continue;
      }
      const parts = link.split("/");
      const details: Record<string, string> = { name: parts[parts.length - 1]! };
      const group = parts[parts.length - 2]!;
      if (group !== NO_GROUP) details.target_group = group;
      clones.push(details);
    }
    const info: Record<string, unknown> = { has_pending_clones: clones.length > 0 ? "yes" : "no" };
    if (clones.length > 0) info.pending_clones = clones;
    if (orphans > 0) info.orphan_clones_count = orphans;
    return info;
  }

  /** The subvolume's status (SubvolumeV1.status): its state, a clone's source and failure. */
  #cloneStatus(sv: Subvol): Record<string, unknown> {
    const status: Record<string, unknown> = { state: sv.state };
    if (sv.state !== "complete" && sv.type === "clone") status.source = this.#cloneSource(sv);
    const failure = sv.meta.get("CLONE_FAILURE");
    if (CLONE_STOPPED.includes(sv.state) && sv.type === "clone" && failure) {
      status.failure = { errno: failure.get("errno"), error_msg: failure.get("error_msg") };
    }
    return status;
  }

  /** _get_clone_source: the `source` section (volume, subvolume, snapshot, and a group). */
  #cloneSource(sv: Subvol): Record<string, string> {
    const src = sv.meta.get("source");
    const [volume, subvolume, snapshot] = ["volume", "subvolume", "snapshot"].map((k) =>
      src?.get(k)
    );
    if (volume === undefined || subvolume === undefined || snapshot === undefined) {
      throw new VolumeError(-EINVAL, "error fetching subvolume metadata");
    }
    const out: Record<string, string> = { volume, subvolume, snapshot };
    const group = src!.get("group");
    if (group !== undefined) out.group = group;
    return out;
  }

  /** `.meta` written, a MetadataMgrException as the VolumeException the source raises. */
  async #flush(fs: CephFSMount, sv: Subvol): Promise<void> {
    await this.#writeMeta(fs, sv.base, sv.meta).catch((e) => {
      if (!(e instanceof MetaError)) throw e;
      throw new VolumeError(e.errno, e.message);
    });
  }

  /**
   * clone_subvolume_snapshot: the target made as a pending clone of the snapshot (its owner,
   * mode and layout; the quota after the copy), tracked in the clone index and in the source's
   * `clone snaps`, then the cloner kicked.
   */
  async #cloneCreate(
    vol: string,
    name: string,
    snap: string,
    target: string,
    pool: string | undefined,
    groupName: string | undefined,
    targetGroupName: string | undefined,
  ): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const sgroup = await this.#subvolGroup(fs, groupName);
    const source = await this.#openSubvol(fs, sgroup, name, "clone-source");
    if (!(await this.#snapshots(fs, source.base)).includes(snap)) {
      throw new VolumeError(-ENOENT, `snapshot '${snap}' does not exist`);
    }
    // open_group_unique
    const tgroup = targetGroupName === groupName
      ? sgroup
      : await this.#subvolGroup(fs, targetGroupName);
    try {
      await this.#openSubvol(fs, tgroup, target, "clone-create");
    } catch (e) {
      if (!(e instanceof VolumeError && e.errno === -ENOENT)) throw e;
      await this.#makeClone(fs, vol, source, snap, tgroup, target, pool);
      const clone = await this.#openSubvol(fs, tgroup, target, "clone-internal");
      const same = tgroup.name === sgroup.name && target === name;
      try {
        await this.#attachSnapshot(fs, same ? clone : source, snap, clone);
      } catch (ae) {
        try {
          await this.#trashBase(fs, tgroup, target);
          void this.#purge(vol);
        } catch (ce) {
          this.log.warning(`failed to cleanup clone subvolume '${target}' (${ce})`);
        }
        throw ae;
      }
      this.#cloneKick(vol);
      return [0, "", ""];
    }
    throw new VolumeError(-EEXIST, `subvolume '${target}' exists`);
  }

  /** SubvolumeV2.create_clone: the target's data directory and `.meta` (state pending). */
  async #makeClone(
    fs: CephFSMount,
    vol: string,
    source: Subvol,
    snap: string,
    group: SubvolGroup,
    name: string,
    pool: string | undefined,
  ): Promise<void> {
    const base = `${group.path}/${name}`;
    const retained = await this.#retainedMeta(fs, base, name);
    if (retained && await this.#hasPendingPurges(fs, base)) {
      throw new VolumeError(-EAGAIN, "asynchronous purge of subvolume in progress");
    }
    const path = `${base}/${this.uuid4()}`;
    try {
      // get_attrs of the snapshot's data directory; the quota is set once the copy is done.
      const from = await this.#snapshotDataPath(fs, source, snap);
      const st = await fs.statx(from);
      const xattr = (key: string) =>
        fs.getxattr(from, key).catch((e) => {
          if (e instanceof CephFSError && e.errno === ENODATA) return undefined;
          throw e;
        });
      const attrs: SubvolAttrs = {
        uid: st.uid,
        gid: st.gid,
        mode: st.mode & ~S_IFMT,
        pool: pool ?? await xattr("ceph.dir.layout.pool"),
        namespace: pool === undefined ? await xattr("ceph.dir.layout.pool_namespace") : undefined,
      };
      await fs.mkdirs(path, attrs.mode!);
      await fs.setxattr(base, "ceph.dir.subvolume", "1").catch((e) => {
        if (e instanceof CephFSError && e.errno === EINVAL) {
          throw new VolumeError(-EINVAL, "invalid value specified for ceph.dir.subvolume");
        }
        throw _volumeError(e);
      });
      await this.#setSubvolAttrs(fs, { group }, path, attrs);
      const meta = retained ?? new Map([["GLOBAL", new Map([["version", "2"]])]]);
      const global = meta.get("GLOBAL")!;
      for (const [k, v] of [["type", "clone"], ["path", path], ["state", "pending"]]) {
        global.set(k!, v!);
      }
      const src = new Map([["volume", vol]]);
      if (source.group.name !== NO_GROUP) src.set("group", source.group.name);
      src.set("subvolume", source.name);
      src.set("snapshot", snap);
      meta.set("source", src);
      await this.#writeMeta(fs, base, meta);
    } catch (e) {
      try {
        if (retained) {
          this.log.info(`cleaning up subvolume incarnation with path: ${path}`);
          await fs.rmdir(path);
        } else {
          this.log.info(`cleaning up subvolume with path: ${name}`);
          await this.#trashBase(fs, group, name);
          void this.#purge(vol);
        }
      } catch (ce) {
        this.log.info(`failed to cleanup subvolume '${name}' (${ce})`);
      }
      if (e instanceof MetaError) {
        throw new VolumeError(-EINVAL, `exception in subvolume metadata: ${_strerror(-e.errno)}`);
      }
      throw _volumeError(e);
    }
  }

  /** attach_snapshot: the clone's link in the index, its track id in the source's `.meta`. */
  async #attachSnapshot(fs: CephFSMount, source: Subvol, snap: string, clone: Subvol) {
    if (!(await this.#snapshots(fs, source.base)).includes(snap)) {
      throw new VolumeError(-ENOENT, `snapshot '${snap}' does not exist`);
    }
    try {
      await fs.mkdirs(CLONE_INDEX, 0o700);
      const track = this.uuid4();
      this.log.info(`tracking-id ${track} for path ${clone.base}`);
      await fs.symlink(clone.base, `${CLONE_INDEX}/${track}`);
      source.meta.set(CLONE_SNAPS, (source.meta.get(CLONE_SNAPS) ?? new Map()).set(track, snap));
      await this.#writeMeta(fs, source.base, source.meta);
    } catch (e) {
      if (!(e instanceof CephFSError || e instanceof MetaError)) throw e;
      this.log.warning(`error creating clone index: ${e.message}`);
      throw new VolumeError(-EINVAL, "error cloning subvolume");
    }
  }

  /** detach_snapshot: the clone's index link and its track id in the source's `.meta` go. */
  async #detachSnapshot(fs: CephFSMount, source: Subvol, track: string): Promise<void> {
    try {
      await fs.statx(CLONE_INDEX);
      this.log.info(`untracking ${track}`);
      await fs.unlink(`${CLONE_INDEX}/${track}`);
      const snaps = source.meta.get(CLONE_SNAPS);
      if (!snaps) throw new MetaError(-ENOENT, `section '${CLONE_SNAPS}' does not exist`);
      snaps.delete(track);
      await this.#writeMeta(fs, source.base, source.meta);
    } catch (e) {
      if (!(e instanceof CephFSError || e instanceof MetaError)) throw e;
      this.log.warning(`error delining snapshot from clone: ${e.message}`);
      throw new VolumeError(-EINVAL, "error delinking snapshot from clone");
    }
  }

  /** The clone index's entry that links to `base` (find_clone_entry_index), if any. */
  async #cloneTrack(fs: CephFSMount, base: string): Promise<string | undefined> {
    for (const e of await fs.listdir(CLONE_INDEX)) {
      const path = `${CLONE_INDEX}/${e.name}`;
      if (((await fs.statx(path)).mode & S_IFMT) !== S_IFLNK) continue;
      if (await fs.readlink(path) === base) return e.name;
    }
    return undefined;
  }

  /**
   * Cloner.cancel_job: a pending clone no job has taken is canceled at once; one a job runs
   * is told to stop, and the answer waits for the job to end (as the source's does).
   */
  async #cloneCancel(vol: string, name: string, groupName?: string): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const group = await this.#subvolGroup(fs, groupName);
    const clone = await this.#openSubvol(fs, group, name, "clone-cancel");
    const finished = () =>
      new VolumeError(-EINVAL, "cannot cancel -- clone finished (check clone status)");
    if (clone.state === "complete" || CLONE_STOPPED.includes(clone.state)) throw finished();
    let track: string | undefined;
    try {
      track = await this.#cloneTrack(fs, clone.base);
    } catch (e) {
      if (!(e instanceof CephFSError)) throw e;
      this.log.error(`error cancelling clone (${name}, ${groupName}): (${e.message})`);
      throw new VolumeError(-EINVAL, "error canceling clone");
    }
    if (track === undefined) {
      this.log.warning(`cannot lookup clone tracking index for ${clone.base}`);
      throw new VolumeError(-EINVAL, "error canceling clone");
    }
    const job = this.#clones.get(vol)?.get(track);
    if (clone.state === "pending" && !job) {
      // _cancel_pending_clone (the source is the clone itself when it clones its own snapshot).
      const source = await this.#sourceOf(fs, clone, this.#cloneSource(clone));
      clone.meta.get("GLOBAL")!.set("state", "canceled");
      this.#setFailure(clone, EINTR, "user interrupted clone operation");
      await this.#flush(fs, clone);
      await this.#detachSnapshot(fs, source, track);
      return [0, "", ""];
    }
    if (!job) throw finished();
    job.cancel = true;
    await job.done;
    return [0, "", ""];
  }

  /** open_clone_subvolume_pair's source: the clone itself when it is its own source. */
  async #sourceOf(fs: CephFSMount, clone: Subvol, src: Record<string, string>): Promise<Subvol> {
    if ((src.group ?? NO_GROUP) === clone.group.name && src.subvolume === clone.name) return clone;
    const group = await this.#subvolGroup(fs, src.group);
    return await this.#openSubvol(fs, group, src.subvolume!, "clone-source");
  }

  /** add_clone_failure: the CLONE_FAILURE section (written with the next flush). */
  #setFailure(clone: Subvol, errno: number, message: string): void {
    clone.meta.set("CLONE_FAILURE", new Map([["errno", String(errno)], ["error_msg", message]]));
  }

  /**
   * The cloner's scan of a volume (AsyncJobs.get_job): while fewer than max_concurrent_clones
   * jobs run, the oldest clone index entry no job has starts one; each job's end scans again.
   */
  #cloneKick(vol: string): void {
    if (this.shutting_down || this.#cancelled.has(vol)) return;
    if (this.#cloneScanning.has(vol)) {
      this.#cloneRescan.add(vol);
      return;
    }
    const running = this.#clones.get(vol) ?? new Map<string, CloneJob>();
    this.#clones.set(vol, running);
    this.#cloneScanning.add(vol);
    void (async () => {
      try {
        const fs = this.cephfs.mount(vol);
        do {
          this.#cloneRescan.delete(vol);
          const max = Number(this.get_module_option("max_concurrent_clones") ?? 4);
          while (running.size < max && !this.shutting_down && !this.#cancelled.has(vol)) {
            const next = await this.#oldestCloneEntry(fs, [...running.keys()]);
            if (!next) break;
            const job: CloneJob = { cancel: false, done: Promise.resolve() };
            running.set(next.track, job);
            job.done = this.#runClone(fs, vol, next.track, next.path, job).finally(() => {
              running.delete(next.track);
              this.#cloneKick(vol);
            });
          }
        } while (this.#cloneRescan.has(vol));
      } catch (e) {
        this.log.error(`error fetching clone entry for volume '${vol}' (${(e as Error).message})`);
      } finally {
        this.#cloneScanning.delete(vol);
      }
    })();
  }

  /** get_oldest_clone_entry: the index link with the oldest ctime, and where it points. */
  async #oldestCloneEntry(
    fs: CephFSMount,
    exclude: string[],
  ): Promise<{ track: string; path: string } | undefined> {
    let entries;
    try {
      entries = await fs.listdir(CLONE_INDEX);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) return undefined;
      throw e;
    }
    let oldest: { track: string; ctime: number } | undefined;
    for (const e of entries) {
      if (exclude.includes(e.name)) continue;
      const st = await fs.statx(`${CLONE_INDEX}/${e.name}`);
      if ((st.mode & S_IFMT) !== S_IFLNK) continue;
      if (!oldest || st.ctime < oldest.ctime) oldest = { track: e.name, ctime: st.ctime };
    }
    if (!oldest) return undefined;
    return { track: oldest.track, path: await fs.readlink(`${CLONE_INDEX}/${oldest.track}`) };
  }

  /**
   * One clone job (start_clone_sm): pending (after snapshot_clone_delay) goes in-progress,
   * which copies the snapshot's tree and goes complete (failed on an error, canceled when told
   * to stop); complete and stopped detach the clone from its snapshot.
   */
  async #runClone(
    fs: CephFSMount,
    vol: string,
    track: string,
    path: string,
    job: CloneJob,
  ): Promise<void> {
    const parts = path.split("/");
    const groupName = parts[2] === NO_GROUP ? undefined : parts[2];
    const name = parts[3] ?? "";
    const open = async () =>
      await this.#openSubvol(fs, await this.#subvolGroup(fs, groupName), name, "clone-internal");
    let state: string | undefined;
    try {
      this.log.info(`starting clone: (${vol}, ${groupName ?? "None"}, ${name})`);
      state = (await open()).state;
      if (state === "pending") {
        const delay = Number(this.get_module_option("snapshot_clone_delay") ?? 0);
        if (delay > 0) await this.sleep(delay);
      }
      for (;;) {
        let next: string | undefined;
        if (state === "pending") {
          if (job.cancel) {
            const clone = await open();
            this.#setFailure(clone, EINTR, "user interrupted clone operation");
            await this.#flush(fs, clone);
            next = "canceled";
          } else next = "in-progress";
        } else if (state === "in-progress") {
          try {
            await this.#doClone(fs, await open(), job);
            next = "complete";
          } catch (e) {
            const ve = _volumeError(e);
            if (!(ve instanceof VolumeError)) throw ve;
            const clone = await open();
            const interrupted = ve.errno === -EINTR;
            this.#setFailure(
              clone,
              -ve.errno,
              interrupted ? "user interrupted clone operation" : ve.message,
            );
            await this.#flush(fs, clone);
            this.log.error(
              `Clone failed: (${vol}, ${groupName ?? "None"}, ${name}): ${ve.message}`,
            );
            next = interrupted ? "canceled" : "failed";
          }
        } else if (state === "complete" || CLONE_STOPPED.includes(state ?? "")) {
          const clone = await open();
          const source = await this.#sourceOf(fs, clone, this.#cloneSource(clone));
          try {
            await this.#detachSnapshot(fs, source, track);
            if (state === "complete") {
              const fresh = source === clone ? clone : await open();
              fresh.meta.delete("source");
              await this.#flush(fs, fresh);
            }
          } catch (e) {
            this.log.error(`failed to detach clone from snapshot: ${(e as Error).message}`);
          }
          break;
        } else throw new VolumeError(-EINVAL, `invalid clone state: "${state}"`);
        const clone = await open();
        clone.meta.get("GLOBAL")!.set("state", next);
        await this.#flush(fs, clone);
        state = next;
      }
      this.log.info(`finished clone: (${vol}, ${groupName ?? "None"}, ${name})`);
    } catch (e) {
      this.log.error(
        `clone failed for (${vol}, ${groupName ?? "None"}, ${name}) (current_state: ${state}, ` +
          `reason: ${(e as Error).message})`,
      );
    }
  }

  /** do_clone: the snapshot's data directory copied into the clone's, then the quota. */
  async #doClone(fs: CephFSMount, clone: Subvol, job: CloneJob): Promise<void> {
    const source = await this.#sourceOf(fs, clone, this.#cloneSource(clone));
    const snap = this.#cloneSource(clone).snapshot!;
    const from = await this.#snapshotDataPath(fs, source, snap);
    this.log.info(`copying data from ${from} to ${clone.path}`);
    await this.#copyTree(fs, from, clone.path, job);
    if (job.cancel) throw new VolumeError(-EINTR, "user interrupted clone operation");
    // set_quota_on_clone
    for (const [key, what] of [["max_bytes", "size"], ["max_files", "file count"]] as const) {
      let quota: string;
      try {
        quota = String(Number(await fs.getxattr(from, `ceph.quota.${key}`)));
      } catch (e) {
        if (e instanceof CephFSError && e.errno === ENODATA) continue;
        throw e;
      }
      await fs.setxattr(clone.path, `ceph.quota.${key}`, quota).catch((e) => {
        if (e instanceof CephFSError && e.errno === EINVAL) {
          throw new VolumeError(-EINVAL, `invalid ${what} specified: '${quota}'`);
        }
        throw _volumeError(e);
      });
    }
  }

  /**
   * bulk_copy's cptree: directories, symbolic links and regular files, each with its owner,
   * times and mode; a source entry gone meanwhile ends its directory's copy quietly.
   */
  async #copyTree(fs: CephFSMount, from: string, to: string, job: CloneJob): Promise<void> {
    try {
      for (const e of await fs.listdir(from)) {
        if (job.cancel) break;
        const src = `${from}/${e.name}`, dst = `${to}/${e.name}`;
        const st = await fs.statx(src);
        const mode = st.mode & ~S_IFMT;
        const type = st.mode & S_IFMT;
        const exists = (e: unknown) => {
          if (!(e instanceof CephFSError && e.errno === EEXIST)) throw e;
        };
        if (type === S_IFDIR) {
          await fs.mkdir(dst, mode).catch(exists);
          await this.#copyTree(fs, src, dst, job);
        } else if (type === S_IFLNK) {
          await fs.symlink(await fs.readlink(src), dst).catch(exists);
        } else if (type === S_IFREG) {
          if (job.cancel) throw new VolumeError(-EINTR, "copy operation interrupted");
          await fs.writeFile(dst, await fs.readFile(src), mode);
        } else {
          this.log.warning(`cptree: (IGNORE) ${src}`);
          continue;
        }
        // sync_attrs
        await fs.lchown(dst, st.uid, st.gid);
        await fs.lutimes(dst, st.atime, st.mtime);
        await fs.lchmod(dst, st.mode);
      }
      const root = await fs.statx(from);
      await fs.lutimes(to, root.atime, root.mtime);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) return;
      throw _volumeError(e);
    }
  }

  /** The snapshot metadata commands: a `SNAP_METADATA_<snap>` section of `.meta`. */
  async #snapMetadata(
    op: "set" | "get" | "ls" | "rm",
    vol: string,
    name: string,
    groupName: string | undefined,
    snap: string,
    key: string,
    value: string,
    force: boolean,
  ): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const group = await this.#subvolGroup(fs, groupName);
      const sv = await this.#openSubvol(fs, group, name, `snap-metadata-${op}`);
      if (!(await this.#snapshots(fs, sv.base)).includes(snap)) {
        throw new VolumeError(-ENOENT, `snapshot '${snap}' does not exist`);
      }
      const name_ = `${SNAP_META_PREFIX}${snap}`;
      const section = sv.meta.get(name_);
      // configparser's optionxform: keys are lower case.
      const k = key.toLowerCase();
      const flush = () =>
        this.#writeMeta(fs, sv.base, sv.meta).catch((e) => {
          if (!(e instanceof MetaError)) throw e;
          throw new VolumeError(e.errno, e.message);
        });
      switch (op) {
        case "set": {
          sv.meta.set(name_, (section ?? new Map()).set(k, value));
          await flush();
          return [0, "", ""];
        }
        case "get": {
          const v = section?.get(k);
          if (v === undefined) throw new VolumeError(-ENOENT, `key '${key}' does not exist.`);
          return [0, v, ""];
        }
        case "ls":
          return [0, pythonJson(Object.fromEntries(section ?? []), "json-pretty"), ""];
        case "rm": {
          if (!section) throw new VolumeError(-ENOENT, "snapshot metadata not does not exist");
          if (!section.delete(k)) throw new VolumeError(-ENOENT, `key '${key}' does not exist.`);
          await flush();
          return [0, "", ""];
        }
      }
    } catch (e) {
      if (op === "rm" && force && e instanceof VolumeError && e.errno === -ENOENT) {
        return [0, "", ""];
      }
      throw e;
    }
  }

  /**
   * The subvolume group snapshot commands: ls and rm of a group's snapshots; create is
   * refused once the group is open (subvolumes deny snapshots above them, tracker 46074).
   */
  async #groupSnapshot(
    verb: "create" | "rm" | "ls",
    vol: string,
    groupName: string,
    snap: string,
    force: boolean,
  ): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const path = await this.#openGroup(fs, groupName);
      switch (verb) {
        case "create":
          return [-ENOSYS, "", "subvolume group snapshots are not supported"];
        case "rm":
          await this.#rmsnap(fs, `${path}/${SNAP_DIR}/${snap}`);
          return [0, "", ""];
        case "ls": {
          const names = await this.#snapshots(fs, path);
          return [0, pythonJson(names.map((name) => ({ name })), "json-pretty"), ""];
        }
      }
    } catch (e) {
      if (verb === "rm" && force && e instanceof VolumeError && e.errno === -ENOENT) {
        return [0, "", ""];
      }
      throw e;
    }
  }

  /** pin_util.pin: an MDS pinning policy as the directory's vxattr. */
  async #pin(fs: CephFSMount, path: string, type: string, setting: string): Promise<void> {
    let value: string | undefined;
    if (type === "export" && _PY_INT.test(setting)) {
      value = String(Number(setting.replaceAll("_", "").trim()));
    } else if (type === "distributed") {
      const word = setting.toLowerCase();
      if (["y", "yes", "t", "true", "on", "1"].includes(word)) value = "1";
      if (["n", "no", "f", "false", "off", "0"].includes(word)) value = "0";
    } else if (type === "random" && _PY_FLOAT.test(setting)) {
      value = pythonFloat(
        Number(setting.replaceAll("_", "").trim().replace(/^([+-]?)inf(inity)?$/i, "$1Infinity")),
      );
    }
    if (value === undefined) throw new VolumeError(-EINVAL, `pin value wrong type: ${setting}`);
    const xattr = {
      export: "ceph.dir.pin",
      distributed: "ceph.dir.pin.distributed",
      random: "ceph.dir.pin.random",
    }[type]!;
    await fs.setxattr(path, xattr, value).catch((e) => {
      throw _volumeError(e);
    });
  }

  /** open_volume: a mount of the volume's file system (mgr_util's connection pool checks). */
  /** get_mds_map: the volume's MDSMap in the FSMap. */
  #mdsMap(vol: string): MdsMapView | undefined {
    const fsMap = this.get("fs_map") as { filesystems: { mdsmap: MdsMapView }[] };
    return fsMap.filesystems.find((f) => f.mdsmap.fs_name === vol)?.mdsmap;
  }

  /**
   * SubvolumeV1.evict: every MDS rank is asked, side by side, to evict the sessions of
   * `auth_name=<id>` that mounted the subvolume's path (`client_metadata.root`), once the mon
   * has the rank's daemon active (RankEvicter: polled every 5 s, up to 30 s).
   */
  async #evict(vol: string, path: string, authId: string): Promise<CommandReturn> {
    const spec = [`auth_name=${authId}`, `client_metadata.root=${path}`];
    this.log.info(`evict clients with ${spec.join(", ")}`);
    let map = this.#mdsMap(vol);
    if (!map) throw new VolumeError(-ENOENT, `mdsmap for volume ${vol} not found`);
    const ranks = Object.entries(map.up).map(([k, gid]) => ({ rank: Number(k.slice(4)), gid }));
    const evictRank = async (rank: number, gid: number): Promise<string | undefined> => {
      let waited = 0;
      // _wait_for_ready: true when the rank's daemon can take commands, false when it is gone.
      const ready = async (): Promise<boolean> => {
        for (;;) {
          if (map?.up[`mds_${rank}`] !== gid) return false;
          const state = map.info[`gid_${gid}`]?.state;
          if (state === "up:active" || state === "up:clientreplay") return true;
          // ClusterTimeout, whose str() is empty.
          if (waited > 30) throw new Error("");
          await this.sleep(5);
          waited += 5;
          map = this.#mdsMap(vol);
        }
      };
      try {
        if (!await ready()) return undefined;
        for (;;) {
          const [ret, , outs] = await this.tell_command("mds", String(gid), {
            prefix: "session evict",
            filters: spec,
          });
          if (ret === 0) return undefined;
          if (ret !== -ETIMEDOUT) {
            return `Error ${ret} ("${outs}") while Sending evict to mds.${gid}`;
          }
          map = this.#mdsMap(vol);
          if (!await ready()) return undefined;
        }
      } catch (e) {
        return (e as Error).message;
      }
    };
    const failures = await Promise.all(ranks.map((r) => evictRank(r.rank, r.gid)));
    for (const [i, failure] of failures.entries()) {
      if (failure === undefined) continue;
      const msg = `Failed to evict client with ${spec.join(", ")} from mds ` +
        `${ranks[i]!.rank}/${ranks[i]!.gid}: ${failure}`;
      this.log.error(msg);
      return [-EINVAL, "", msg];
    }
    return [0, "", ""];
  }

  #open(vol: string): CephFSMount {
    if (!this.#volumes().includes(vol)) throw new VolumeError(-ENOENT, `FS '${vol}' not found`);
    try {
      return this.cephfs.mount(vol);
    } catch (e) {
      if (e instanceof CephFSError) throw new VolumeError(-e.errno, e.message);
      throw e;
    }
  }
}

/**
 * A resize's new size as Group.resize and Subvolume.resize parse it: bytes (above 0), or
 * `inf`/`infinite` for no quota (0).
 */
function _resizeBytes(size: string, what: string): number {
  if (_PY_INT.test(size)) {
    const bytes = Number(size.replaceAll("_", "").trim());
    if (bytes <= 0) throw new VolumeError(-EINVAL, `Invalid ${what} size`);
    return bytes;
  }
  const word = size.toLowerCase();
  if (word !== "inf" && word !== "infinite") {
    throw new VolumeError(-EINVAL, `invalid size option '${word}'`);
  }
  return 0;
}
