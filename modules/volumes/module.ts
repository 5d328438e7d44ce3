/**
 * Ceph's `volumes` module (src/pybind/mgr/volumes of 16.2.15), with the source's descriptors,
 * texts and errnos (tests/ceph-reference/cli/commands/fs_volume/, fs_subvolumegroup/,
 * fs_subvolume/):
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
 *
 * Not ported: snapshots (of subvolumes and groups), clones, `--retain-snapshots` with
 * snapshots, authorize/deauthorize/authorized_list/evict, legacy (v1 and pre-Nautilus)
 * subvolumes, and the cloner (so the module options `max_concurrent_clones` and
 * `snapshot_clone_delay`, which configure it).
 *
 * @module
 */
import {
  CephFSError,
  type CephFSMount,
  type CommandReturn,
  EAGAIN,
  EINVAL,
  ENODATA,
  ENOENT,
  ENOTEMPTY,
  EPERM,
  formatBytes,
  HandleCommandResult,
  MgrModule,
  NO_MON_CONNECTION,
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
/** MetadataManager.USER_METADATA_SECTION. */
const USER_METADATA = "USER_METADATA";
/** What Python's `float()` takes. */
const _PY_FLOAT =
  /^\s*[+-]?(?:(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?|inf|infinity|nan)\s*$/i;
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
  /** `/volumes/<group>/<name>`, where `.meta` is. */
  base: string;
  /** The data directory, `<base>/<uuid>`. */
  path: string;
  meta: Map<string, Map<string, string>>;
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
  ];

  /**
   * As the VolumeClient does when the module starts: purge what a previous run left in the
   * trash of each volume; later purges follow removals. Then it waits for shutdown, as the
   * purge threads do for jobs.
   */
  override async serve(): Promise<void> {
    for (const vol of this.#volumes()) {
      if (this.shutting_down) return;
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
          return [0, (await this.#openSubvol(fs, group, str("sub_name") ?? "")).path, ""];
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
      case "fs subvolume pin":
        r = await this.#tuple(async () => {
          const fs = this.#open(str("vol_name") ?? "");
          const group = await this.#subvolGroup(fs, str("group_name"));
          const sv = await this.#openSubvol(fs, group, str("sub_name") ?? "");
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
    let newSize: number;
    // Python's int(): a sign, digits with single underscores between them, spaces around.
    if (/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(size)) {
      newSize = Number(size.replaceAll("_", "").trim());
      if (newSize <= 0) throw new VolumeError(-EINVAL, "Invalid subvolume group size");
    } else {
      const word = size.toLowerCase();
      if (word !== "inf" && word !== "infinite") {
        throw new VolumeError(-EINVAL, `invalid size option '${word}'`);
      }
      newSize = 0;
      noShrink = false;
    }
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
  async #openSubvol(fs: CephFSMount, group: SubvolGroup, name: string): Promise<Subvol> {
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
    if (global?.get("version") !== "2" || path.slice(0, path.lastIndexOf("/")) !== base) {
      this.log.error(`error accessing subvolume metadata for '${name}' (not a v2 subvolume)`);
      throw new VolumeError(-EINVAL, "error accessing subvolume metadata");
    }
    try {
      await fs.setxattr(base, "ceph.dir.subvolume", "1");
    } catch (e) {
      if (e instanceof CephFSError && e.errno === EINVAL) {
        throw new VolumeError(-EINVAL, "invalid value specified for ceph.dir.subvolume");
      }
      throw _volumeError(e);
    }
    const state = global.get("state") ?? "";
    if (state !== "complete") {
      throw new VolumeError(-EAGAIN, `subvolume '${name}' is not ready for operation`);
    }
    let st;
    try {
      st = await fs.statx(path);
    } catch (e) {
      if (e instanceof CephFSError && e.errno === ENOENT) {
        throw new VolumeError(-ENOENT, `mount path missing for subvolume '${name}'`);
      }
      throw _volumeError(e);
    }
    return {
      name,
      group,
      base,
      path,
      meta,
      uid: st.uid,
      gid: st.gid,
    };
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
      sv = await this.#openSubvol(fs, group, name);
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
      const meta = new Map([[
        "GLOBAL",
        new Map([["version", "2"], ["type", "subvolume"], ["path", path], ["state", "complete"]]),
      ]]);
      await this.#writeMeta(fs, base, meta);
      await fs.touch(this.#authMetaPath(group, name), 0o755);
    } catch (e) {
      this.log.info(`cleaning up subvolume with path: ${name}`);
      try {
        await this.#trashBase(fs, group, name);
        void this.#purge(vol);
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

  /** remove_subvolume: to the trash, purged in the background; --force takes a missing one. */
  async #subvolRm(
    vol: string,
    name: string,
    groupName: string | undefined,
    force: boolean,
  ): Promise<CommandReturn> {
    try {
      const fs = this.#open(vol);
      const group = await this.#subvolGroup(fs, groupName);
      const sv = await this.#openSubvol(fs, group, name);
      const snaps = await this.#snapshots(fs, sv.base);
      if (snaps.length > 0) {
        // Retaining snapshots needs snapshot support, which mgrd does not have.
        throw new VolumeError(-ENOTEMPTY, `subvolume '${name}' has snapshots`);
      }
      await this.#trashBase(fs, group, name);
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

  /** The subvolume's snapshots (`.snap` of its base directory, inherited ones left out). */
  async #snapshots(fs: CephFSMount, base: string): Promise<string[]> {
    try {
      return (await fs.listdir(`${base}/${SNAP_DIR}`)).map((e) => e.name)
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
          await this.#rmtree(fs, `${trash}/${e.name}`, e.is_dir);
        }
      }
    } catch (e) {
      this.log.error(`purge of volume '${vol}' stopped: ${(e as Error).message}`);
    } finally {
      this.#purging.delete(vol);
    }
  }

  async #rmtree(fs: CephFSMount, path: string, dir: boolean): Promise<void> {
    if (!dir) return await fs.unlink(path);
    for (const e of await fs.listdir(path)) await this.#rmtree(fs, `${path}/${e.name}`, e.is_dir);
    await fs.rmdir(path);
  }

  /** subvolume_info: SubvolumeBase.info() and the mons' addresses. */
  async #subvolInfo(vol: string, name: string, groupName?: string): Promise<CommandReturn> {
    const fs = this.#open(vol);
    const sv = await this.#openSubvol(fs, await this.#subvolGroup(fs, groupName), name);
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
    const sv = await this.#openSubvol(fs, await this.#subvolGroup(fs, groupName), name);
    let newSize: number;
    if (/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(size)) {
      newSize = Number(size.replaceAll("_", "").trim());
      if (newSize <= 0) throw new VolumeError(-EINVAL, "Invalid subvolume size");
    } else {
      const word = size.toLowerCase();
      if (word !== "inf" && word !== "infinite") {
        throw new VolumeError(-EINVAL, `invalid size option '${word}'`);
      }
      newSize = 0;
      noShrink = false;
    }
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
      const sv = await this.#openSubvol(fs, await this.#subvolGroup(fs, groupName), name);
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

  /** pin_util.pin: an MDS pinning policy as the directory's vxattr. */
  async #pin(fs: CephFSMount, path: string, type: string, setting: string): Promise<void> {
    let value: string | undefined;
    if (type === "export" && /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(setting)) {
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
