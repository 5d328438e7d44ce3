/**
 * Ceph's release names, by major version from 1 (`ceph_release_name`,
 * `ceph_release_from_name`); 16.2 knows none after its own.
 *
 * @module
 */

/** The release names in order: index 0 is release 1 (argonaut), index 15 is pacific. */
export const CEPH_RELEASES: readonly string[] = [
  "argonaut",
  "bobtail",
  "cuttlefish",
  "dumpling",
  "emperor",
  "firefly",
  "giant",
  "hammer",
  "infernalis",
  "jewel",
  "kraken",
  "luminous",
  "mimic",
  "nautilus",
  "octopus",
  "pacific",
];
