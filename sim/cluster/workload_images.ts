/**
 * The RBD images the workload's clients use: client `i` (sim/cluster/io_model.ts) works on one
 * image of its own in each RBD pool the cluster starts with, named `vm-disk-<i + 1>`, whose data
 * objects are `rbd_data.<image id>.<object number>` (what the OSDs key their perf queries by,
 * sim/cluster/osd_perf_stats.ts). The images exist before the run begins, as `rbd create` leaves
 * them in the pool's `rbd_directory` object (cls_rbd's `name_<name>` → id and `id_<id>` → name,
 * each a Ceph-encoded string), so that `rbd ls` and rbd_support's `rbd perf image stats` find
 * them by name.
 *
 * @module
 */

/** The id and name of workload client `i`'s image (RBD's ids are hex). */
export function workloadImage(i: number): { id: string; name: string } {
  return { id: (0x5e1f00 + i * 0x1d3).toString(16) + "a9c3", name: `vm-disk-${i + 1}` };
}

/** A Ceph-encoded string (little-endian u32 length, then the UTF-8 bytes), as cls_rbd stores one. */
export function cephEncodedString(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}

/** The `rbd_directory` omap entries of `clients` workload clients' images. */
export function rbdDirectoryEntries(clients: number): { keys: string[]; values: Uint8Array[] } {
  const keys: string[] = [], values: Uint8Array[] = [];
  for (let i = 0; i < clients; i++) {
    const { id, name } = workloadImage(i);
    keys.push(`name_${name}`, `id_${id}`);
    values.push(cephEncodedString(id), cephEncodedString(name));
  }
  return { keys, values };
}
