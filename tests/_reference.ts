/**
 * The captures from a real Ceph 16.2 cluster (a copy of ../shared/ceph-reference kept in the
 * repository, so that a fresh clone tests on its own).
 */

/** The text of a reference file, e.g. `cli/enable_already.txt`. */
export function referenceText(path: string): string {
  return Deno.readTextFileSync(new URL(`./ceph-reference/${path}`, import.meta.url));
}

/** A `get/` capture's parsed JSON (`{ok, python_type, value, ...}`). */
export function referenceGet(name: string): { ok: boolean; value: unknown } {
  return JSON.parse(referenceText(`get/${name}`));
}

/** A `cli/` capture split into its parts. */
export function referenceCli(
  name: string,
): { command: string; rc: number; stdout: string; stderr: string } {
  const text = referenceText(`cli/${name}`);
  const command = text.split("\n")[0]!.replace(/^\$ /, "");
  const rc = Number(/--- rc=(\d+)/.exec(text)![1]);
  const stdout = text.split("--- stdout:\n")[1]!.split("--- stderr:")[0]!;
  const stderr = text.split("--- stderr:\n")[1] ?? "";
  return { command, rc, stdout, stderr };
}
