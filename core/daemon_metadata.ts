/**
 * The metadata a manager daemon reports about itself (`mgr metadata`, `get_metadata('mgr', id)`),
 * read from the machine it runs on, with the keys Ceph 16.2 reports.
 *
 * @module
 */
import { CEPH_VERSION, RELEASE_NAME } from "../ceph/mgr_map.ts";

function readOr(path: string, fallback: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return fallback;
  }
}

/** This machine's description in Ceph's metadata keys (every value a string). */
export function systemMetadata(addr = "127.0.0.1"): Record<string, string> {
  const osRelease = Object.fromEntries(
    readOr("/etc/os-release", "").split("\n").map((line) => {
      const i = line.indexOf("=");
      return [line.slice(0, i), line.slice(i + 1).replace(/^"|"$/g, "")];
    }).filter(([k]) => k),
  );
  const cpu = /model name\s*:\s*(.*)/.exec(readOr("/proc/cpuinfo", ""))?.[1] ?? "unknown";
  let memTotalKb = "0";
  let swapKb = "0";
  try {
    const mem = Deno.systemMemoryInfo();
    memTotalKb = String(Math.floor(mem.total / 1024));
    swapKb = String(Math.floor(mem.swapTotal / 1024));
  } catch { /* no --allow-sys: leave zeros */ }
  let hostname = "localhost";
  let kernel = "";
  try {
    hostname = Deno.hostname();
    kernel = Deno.osRelease();
  } catch { /* no --allow-sys */ }
  return {
    addr,
    addrs: `${addr}:0/0`,
    arch: Deno.build.arch,
    ceph_release: RELEASE_NAME,
    ceph_version: CEPH_VERSION,
    ceph_version_short: /ceph version (\S+)/.exec(CEPH_VERSION)?.[1] ?? "",
    cpu,
    distro: osRelease.ID ?? "",
    distro_description: osRelease.PRETTY_NAME ?? "",
    distro_version: osRelease.VERSION_ID ?? "",
    hostname,
    kernel_description: readOr("/proc/sys/kernel/version", "").trim(),
    kernel_version: kernel,
    mem_swap_kb: swapKb,
    mem_total_kb: memTotalKb,
    os: Deno.build.os === "linux" ? "Linux" : Deno.build.os,
  };
}
