/**
 * The daemon index (metadata, status, servers) as the manager hands it to modules: rebuilt from
 * the cluster state when the cluster's daemons may have changed, this daemon included.
 *
 * @module
 */
import type { ClusterState } from "./cluster_link.ts";
import { DaemonIndex } from "./state/daemon_state.ts";

/** The daemon index, rebuilt when the OSD metadata's version moves. */
export class DaemonIndexCache {
  #index = new DaemonIndex();
  #version = -1;

  /** `self` is this daemon's name (`mgr.<id>`) and `selfMetadata` what it reports. */
  constructor(
    readonly state: ClusterState | undefined,
    readonly self: string,
    readonly selfMetadata: Readonly<Record<string, string>>,
  ) {}

  /** The index as of now. */
  current(): DaemonIndex {
    const state = this.state;
    if (!state) return this.#index;
    const version = state.version("osd_metadata");
    if (version !== this.#version) {
      const index = new DaemonIndex();
      for (const daemon of state.daemonNames()) {
        const meta = state.metadata(daemon);
        if (meta) index.setMetadata(daemon, meta);
        const status = state.daemonStatus(daemon);
        if (status) index.setDaemonStatus(daemon, status);
      }
      index.setMetadata(this.self, this.selfMetadata);
      index.carryServiceDaemons(this.#index);
      this.#index = index;
      this.#version = version;
    }
    return this.#index;
  }
}
