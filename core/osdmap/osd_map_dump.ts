/**
 * The shapes of `get('osd_map')` that the OSDMap wrapper and the upmap optimizer read: Ceph's
 * `OSDMap::dump`, its pools and OSDs (the fields read; the dump has all of Ceph's).
 *
 * @module
 */

/** One pool of the `osd_map` dump (the fields placement reads; the dump has all of Ceph's). */
export interface PoolDump {
  pool: number;
  pool_name: string;
  /** 1 replicated, 3 erasure. */
  type: number;
  size: number;
  min_size: number;
  crush_rule: number;
  pg_num: number;
  pg_placement_num: number;
  erasure_code_profile?: string;
  [key: string]: unknown;
}

/** One OSD of the `osd_map` dump. */
export interface OsdDump {
  osd: number;
  up: number;
  in: number;
  /** Reweight, 0..1. */
  weight: number;
  [key: string]: unknown;
}

/** `get('osd_map')`: Ceph's `OSDMap::dump` (the fields read here). */
export interface OsdMapDump {
  epoch: number;
  fsid: string;
  crush_version: number;
  max_osd: number;
  pools: PoolDump[];
  osds: OsdDump[];
  pg_upmap?: { pgid: string; osds: number[] }[];
  pg_upmap_items?: { pgid: string; mappings: { from: number; to: number }[] }[];
  pg_temp?: { pgid: string; osds: number[] }[];
  primary_temp?: { pgid: string; osd: number }[];
  erasure_code_profiles?: Record<string, Record<string, string>>;
  [key: string]: unknown;
}

/** What {@linkcode OSDMap.pg_to_up_acting_osds} answers. */
export interface UpActing {
  up: number[];
  up_primary: number;
  acting: number[];
  acting_primary: number;
}
