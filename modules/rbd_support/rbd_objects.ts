/**
 * What librbd reads from a pool's RBD objects for rbd_support, read here with `this.rados`:
 * namespaces (`rbd_namespace` omap `name_<ns>`), image ids and names (`rbd_directory` omap
 * `name_<image>` / `id_<id>`, values encoded strings), mirroring modes (`rbd_mirroring` omap
 * `mirror_mode` and `image_<id>`) and the trash (`rbd_trash` omap `id_<id>`), as cls_rbd keeps
 * them in Ceph 16.2.15.
 *
 * @module
 */
import { type Ioctx, ObjectNotFound } from "mgr_module";

export const RBD_DIRECTORY = "rbd_directory";
export const RBD_NAMESPACE = "rbd_namespace";
export const RBD_MIRRORING = "rbd_mirroring";
export const RBD_TRASH = "rbd_trash";

/** cls::rbd::MirrorMode. */
export const MIRROR_MODE_DISABLED = 0;
export const MIRROR_MODE_IMAGE = 1;
export const MIRROR_MODE_POOL = 2;
/** cls::rbd::MirrorImageMode. */
export const MIRROR_IMAGE_MODE_JOURNAL = 0;
export const MIRROR_IMAGE_MODE_SNAPSHOT = 1;
/** cls::rbd::MirrorImageState. */
export const MIRROR_IMAGE_STATE_ENABLED = 1;

const _decoder = new TextDecoder();

/** A Ceph-encoded string (u32 length, bytes) at `at`. */
export function decodeString(b: Uint8Array, at = 0): string {
  if (b.length < at + 4) throw new RangeError("buffer too short for a string");
  const len = new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true);
  if (b.length < at + 4 + len) throw new RangeError("buffer too short for a string");
  return _decoder.decode(b.subarray(at + 4, at + 4 + len));
}

/** Every omap pair of an object whose keys start with `prefix`; none when it does not exist. */
export async function omapAll(
  ioctx: Ioctx,
  oid: string,
  prefix = "",
): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  let after = "";
  try {
    for (;;) {
      const page = await ioctx.get_omap_vals(oid, after, prefix, 1024);
      out.push(...page);
      if (page.length < 1024) return out;
      after = page[page.length - 1]![0];
    }
  } catch (e) {
    if (e instanceof ObjectNotFound) return out;
    throw e;
  }
}

/** librbd's `namespace_list`: the pool's namespaces (none before `rbd namespace create`). */
export async function namespaceList(ioctx: Ioctx): Promise<string[]> {
  const saved = ioctx.get_namespace();
  ioctx.set_namespace("");
  try {
    return (await omapAll(ioctx, RBD_NAMESPACE, "name_")).map(([k]) => k.slice(5));
  } finally {
    ioctx.set_namespace(saved);
  }
}

/** cls_rbd `dir_get_id`: the id of image `name` in the ioctx's namespace, or undefined. */
export async function imageId(ioctx: Ioctx, name: string): Promise<string | undefined> {
  const key = `name_${name}`;
  const pair = (await omapAll(ioctx, RBD_DIRECTORY, key)).find(([k]) => k === key);
  return pair ? decodeString(pair[1]) : undefined;
}

/** cls_rbd `dir_get_name`: the name of image `id` in the ioctx's namespace, or undefined. */
export async function imageName(ioctx: Ioctx, id: string): Promise<string | undefined> {
  const key = `id_${id}`;
  const pair = (await omapAll(ioctx, RBD_DIRECTORY, key)).find(([k]) => k === key);
  return pair ? decodeString(pair[1]) : undefined;
}

/** librbd's `mirror_mode_get` of the ioctx's namespace (disabled when never set). */
export async function mirrorMode(ioctx: Ioctx): Promise<number> {
  const pair = (await omapAll(ioctx, RBD_MIRRORING, "mirror_mode")).find(([k]) =>
    k === "mirror_mode"
  );
  if (!pair || pair[1].length < 4) return MIRROR_MODE_DISABLED;
  return new DataView(pair[1].buffer, pair[1].byteOffset, 4).getUint32(0, true);
}

/** A cls::rbd::MirrorImage: its state and mode (v1 encodings are journal mode). */
export interface MirrorImage {
  globalImageId: string;
  state: number;
  mode: number;
}

/** Decodes cls::rbd::MirrorImage (ENCODE_START(2, 1): global id, state u8, v2 mode u8). */
export function decodeMirrorImage(b: Uint8Array): MirrorImage {
  if (b.length < 6) throw new RangeError("buffer too short for a mirror image");
  const v = b[0]!;
  const globalImageId = decodeString(b, 6);
  const at = 6 + 4 + new DataView(b.buffer, b.byteOffset + 6, 4).getUint32(0, true);
  const state = b[at];
  if (state === undefined) throw new RangeError("buffer too short for a mirror image");
  const mode = v >= 2 ? (b[at + 1] ?? MIRROR_IMAGE_MODE_JOURNAL) : MIRROR_IMAGE_MODE_JOURNAL;
  return { globalImageId, state, mode };
}

/**
 * The mirroring entries of the ioctx's namespace by image id (`rbd_mirroring` omap
 * `image_<id>`); an image without one is not mirrored (librbd: state disabled, mode journal).
 */
export async function mirrorImages(ioctx: Ioctx): Promise<Map<string, MirrorImage>> {
  const out = new Map<string, MirrorImage>();
  for (const [k, v] of await omapAll(ioctx, RBD_MIRRORING, "image_")) {
    out.set(k.slice(6), decodeMirrorImage(v));
  }
  return out;
}

/** The ids of the images in the ioctx's namespace's trash (`rbd_trash` omap `id_<id>`). */
export async function trashIds(ioctx: Ioctx): Promise<string[]> {
  return (await omapAll(ioctx, RBD_TRASH, "id_")).map(([k]) => k.slice(3));
}
