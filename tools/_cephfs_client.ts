/**
 * A CephFS client for the capture scripts (tools/capture-authorize.sh), through libcephfs2:
 *
 *   deno run -A tools/_cephfs_client.ts hold CONF FS NAME KEYRING ROOT
 *     mounts FS as NAME (a `client.<id>`) at ROOT, prints `mounted`, and stays mounted (an MDS
 *     session with `client_metadata.root` ROOT) until its stdin closes.
 *   deno run -A tools/_cephfs_client.ts cat CONF FS PATH
 *     prints file PATH of FS, read as client.admin.
 *
 * @module
 */
import { mountCephFs } from "../rados/libcephfs_mount.ts";

const [mode, confFile, fsName, ...rest] = Deno.args;
if (mode === "hold") {
  const [name, keyring, root] = rest;
  const fs = await mountCephFs(fsName!, { confFile, name, keyring }, root);
  console.log("mounted");
  for await (const _ of Deno.stdin.readable) { /* until EOF */ }
  // An evicted client is blocklisted: its unmount would wait on the MDS, so it just exits.
  void fs;
  Deno.exit(0);
} else if (mode === "cat") {
  const fs = await mountCephFs(fsName!, { confFile });
  const r = await fs.operate({ op: "read_file", path: rest[0]! });
  await fs.close();
  if (r.r !== 0 || !r.data) {
    console.error(`cat ${rest[0]}: ${r.r}`);
    Deno.exit(1);
  }
  await Deno.stdout.write(r.data);
} else {
  console.error("usage: _cephfs_client.ts hold CONF FS NAME KEYRING ROOT | cat CONF FS PATH");
  Deno.exit(2);
}
