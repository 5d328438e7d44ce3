/**
 * An orchestrator backend that describes the cluster from what the manager knows of it: hosts
 * and daemons from the daemons' metadata (`list_servers()`), whether they run from the maps,
 * devices from `get('devices')`, services by daemon type. With it, `orch host ls`, `orch ps`,
 * `orch ls` and `orch device ls` answer on the simulated cluster (or any cluster) without
 * cephadm. It deploys nothing: `orch host add`, `orch apply` and `orch daemon add/rm` answer
 * `This Orchestrator does not support ...`, as Ceph's CLI does for a backend without them.
 *
 * @module
 */
import {
  type DaemonDescription,
  type Device,
  type HostSpec,
  type InventoryHost,
  Orchestrator,
  OrchestratorError,
  type OrchResult,
  orchResult,
  type ServiceDescription,
} from "mgr_module/orchestrator";

interface Server {
  hostname: string;
  services: { type: string; id: string }[];
}

/** The simulator's orchestrator backend. */
export class SimOrchestrator extends Orchestrator {
  /** Labels set with `orch host label add` (kept in the module's store). */
  #labels(): Record<string, string[]> {
    try {
      return JSON.parse(this.get_store("labels") ?? "{}");
    } catch {
      return {};
    }
  }

  #servers(): Server[] {
    return (this.list_servers() as Server[]).filter((s) => s.hostname !== "");
  }

  #addr(hostname: string, server: Server): string {
    for (const d of server.services) {
      const md = this.get_metadata(d.type, d.id);
      const addr = md?.front_addr ?? md?.addr ?? "";
      const m = /(\d+\.\d+\.\d+\.\d+)/.exec(addr);
      if (m) return m[1] as string;
    }
    return hostname;
  }

  override available(): [boolean, string, Record<string, unknown>] {
    return this.have_mon_connection()
      ? [true, "", {}]
      : [false, "the manager has no mon connection", {}];
  }

  override get_hosts(): Promise<OrchResult<HostSpec[]>> {
    return orchResult(() => {
      const labels = this.#labels();
      return this.#servers().map((s) => ({
        hostname: s.hostname,
        addr: this.#addr(s.hostname, s),
        labels: labels[s.hostname] ?? [],
        status: "",
      }));
    });
  }

  override add_host_label(hostname: string, label: string): Promise<OrchResult<string>> {
    return orchResult(async () => {
      if (!this.#servers().some((s) => s.hostname === hostname)) {
        throw new OrchestratorError(`host ${hostname} does not exist`, -2);
      }
      const labels = this.#labels();
      const list = labels[hostname] ?? [];
      if (!list.includes(label)) list.push(label);
      labels[hostname] = list;
      await this.set_store("labels", JSON.stringify(labels));
      return `Added label ${label} to host ${hostname}`;
    });
  }

  override remove_host_label(
    hostname: string,
    label: string,
    _force: boolean,
  ): Promise<OrchResult<string>> {
    return orchResult(async () => {
      const labels = this.#labels();
      const list = labels[hostname] ?? [];
      if (!list.includes(label)) {
        throw new OrchestratorError(`Host ${hostname} does not have label '${label}'`, -2);
      }
      labels[hostname] = list.filter((l) => l !== label);
      await this.set_store("labels", JSON.stringify(labels));
      return `Removed label ${label} from host ${hostname}`;
    });
  }

  #daemons(): DaemonDescription[] {
    const osdMap = this.get("osd_map") as { osds?: { osd: number; up: number }[] } | null;
    const up = new Map((osdMap?.osds ?? []).map((o) => [String(o.osd), o.up === 1]));
    const monStatus = this.get("mon_status") as { quorum_names?: string[] } | null;
    const quorum = new Set(monStatus?.quorum_names ?? []);
    const out: DaemonDescription[] = [];
    for (const s of this.#servers()) {
      for (const d of s.services) {
        const md = this.get_metadata(d.type, d.id);
        const running = d.type === "osd"
          ? up.get(d.id) === true
          : d.type === "mon"
          ? quorum.size === 0 || quorum.has(d.id)
          : true;
        out.push({
          daemon_type: d.type,
          daemon_id: d.id,
          hostname: s.hostname,
          status: running ? 1 : -1,
          status_desc: running ? "running" : "error",
          version: md?.ceph_version_short ?? null,
          started: null,
          created: null,
          last_refresh: this.now(),
          memory_usage: null,
          ports: [],
        });
      }
    }
    return out;
  }

  override list_daemons(
    service_name: string | null,
    daemon_type: string | null,
    daemon_id: string | null,
    host: string | null,
    _refresh: boolean,
  ): Promise<OrchResult<DaemonDescription[]>> {
    return orchResult(() =>
      this.#daemons().filter((d) =>
        (daemon_type === null || d.daemon_type === daemon_type) &&
        (daemon_id === null || d.daemon_id === daemon_id) &&
        (host === null || d.hostname === host) &&
        (service_name === null || d.daemon_type === service_name ||
          `${d.daemon_type}.${d.daemon_id}` === service_name)
      )
    );
  }

  override describe_service(
    service_type: string | null,
    service_name: string | null,
    _refresh: boolean,
  ): Promise<OrchResult<ServiceDescription[]>> {
    return orchResult(() => {
      const byType = new Map<string, DaemonDescription[]>();
      for (const d of this.#daemons()) {
        byType.set(d.daemon_type, [...(byType.get(d.daemon_type) ?? []), d]);
      }
      return [...byType].filter(([type]) =>
        (service_type === null || type === service_type) &&
        (service_name === null || type === service_name)
      ).map(([type, ds]) => ({
        spec: { service_type: type, placement: { count: ds.length }, unmanaged: type === "osd" },
        running: ds.filter((d) => d.status === 1).length,
        size: ds.length,
        last_refresh: this.now(),
        created: null,
        ports: [],
      }));
    });
  }

  override get_inventory(hosts: string[], _refresh: boolean): Promise<OrchResult<InventoryHost[]>> {
    return orchResult(() => {
      const devices = (this.get("devices") as {
        devices?: {
          devid: string;
          location?: { host: string; dev: string }[];
          daemons?: string[];
        }[];
      } | null)?.devices ?? [];
      const byHost = new Map<string, Device[]>();
      for (const d of devices) {
        for (const loc of d.location ?? []) {
          const used = (d.daemons ?? []).length > 0;
          const dev: Device = {
            path: `/dev/${loc.dev}`,
            device_id: d.devid,
            human_readable_type: "hdd",
            size: this.#deviceSize(d.daemons ?? []),
            available: !used,
            rejected_reasons: used
              ? ["Insufficient space (<10 extents) on vgs", "LVM detected", "locked"]
              : [],
          };
          byHost.set(loc.host, [...(byHost.get(loc.host) ?? []), dev]);
        }
      }
      const servers = new Map(this.#servers().map((s) => [s.hostname, s]));
      return [...byHost].filter(([h]) => hosts.length === 0 || hosts.includes(h)).map((
        [name, devs],
      ) => ({
        name,
        addr: servers.has(name) ? this.#addr(name, servers.get(name) as Server) : name,
        devices: devs,
      }));
    });
  }

  #deviceSize(daemons: string[]): number {
    const osdStats = this.get("osd_stats") as { osd_stats?: { osd: number; kb: number }[] } | null;
    const ids = daemons.filter((d) => d.startsWith("osd.")).map((d) => Number(d.slice(4)));
    const kb = (osdStats?.osd_stats ?? []).find((o) => ids.includes(o.osd))?.kb ?? 0;
    return kb * 1024;
  }
}
