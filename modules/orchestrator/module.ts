/**
 * Ceph's `orchestrator` module (src/pybind/mgr/orchestrator/module.py of 16.2.15): the `orch`
 * commands, answered by the backend module chosen with `orch set backend` (a module whose class
 * extends `Orchestrator`), called through `remote()`. Without a backend they answer
 * `ENOENT No orchestrator configured (try `ceph orch set backend`)`; a call the backend does
 * not implement answers ENOENT `This Orchestrator does not support `<prefix>``.
 *
 * @module
 */
import {
  CLIReadCommand,
  CLIWriteCommand,
  EINVAL,
  HandleCommandResult,
  MgrModule,
  Option,
  PlainTable,
  pythonJson,
} from "mgr_module";
import {
  type DaemonDescription,
  type HostSpec,
  type InventoryHost,
  NoOrchestrator,
  OrchestratorError,
  OrchNotImplemented,
  type OrchResult,
  placementFromString,
  type PlacementSpec,
  raise_if_exception,
  type ServiceDescription,
} from "mgr_module/orchestrator";

const FORMAT = { type: "str", optional: true, choices: undefined } as const;

/** Ceph's `nice_delta`: `5m ago`, `-` when unknown. */
function _niceDelta(now: number, t: number | null, suffix = ""): string {
  if (t === null) return "-";
  return _prettyDelta(now - t) + suffix;
}

/** Ceph's `to_pretty_timedelta`. */
function _prettyDelta(s: number): string {
  if (s < 120) return `${Math.trunc(s)}s`;
  if (s < 7200) return `${Math.trunc(s / 60)}m`;
  if (s < 172800) return `${Math.trunc(s / 3600)}h`;
  if (s < 1209600) return `${Math.trunc(s / 86400)}d`;
  if (s < 63072000) return `${Math.trunc(s / 604800)}w`;
  return `${Math.trunc(s / 31536000)}y`;
}

/** Ceph's `PlacementSpec.pretty_str`. */
function _placement(p: PlacementSpec): string {
  const kv: string[] = [];
  if (p.count) kv.push(`count:${p.count}`);
  if (p.label) kv.push(`label:${p.label}`);
  if (p.hosts && p.hosts.length > 0) kv.push(p.hosts.join(";"));
  if (p.host_pattern) kv.push(p.host_pattern);
  return kv.join(";");
}

function _isJson(format: string | undefined): boolean {
  return format !== undefined && format !== "plain";
}

/** The orchestrator CLI. */
export class OrchestratorCli extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "orchestrator",
      type: "str",
      default: null,
      // Ceph lists cephadm, rook and test_orchestrator here; any module extending
      // Orchestrator can be one in mgrd (`orch set backend` checks it is one).
      desc: "Orchestrator backend",
      runtime: true,
    }),
  ];

  #backend(): string | null {
    const name = this.get_module_option("orchestrator");
    return typeof name === "string" && name !== "" ? name : null;
  }

  /** Calls the backend (Ceph's `_oremote`); throws NoOrchestrator without one. */
  async #call<T>(method: string, ...args: unknown[]): Promise<T> {
    const backend = this.#backend();
    if (!backend) throw new NoOrchestrator();
    let c: OrchResult<T>;
    try {
      c = await this.remote(backend, method, ...args) as OrchResult<T>;
    } catch (e) {
      throw new OrchestratorError(
        `Module '${backend}' is not available: ${(e as Error).message}`,
        -2,
      );
    }
    return raise_if_exception(c);
  }

  /** Ceph's `handle_exception`: orchestrator errors become answers, not tracebacks. */
  async #handle(
    prefix: string,
    fn: () => Promise<HandleCommandResult>,
  ): Promise<HandleCommandResult> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof OrchNotImplemented) {
        return new HandleCommandResult(-2, "", `This Orchestrator does not support \`${prefix}\``);
      }
      if (e instanceof OrchestratorError) return new HandleCommandResult(e.errno, "", e.message);
      throw e;
    }
  }

  @CLIReadCommand("orch status", {
    args: { detail: { type: "bool", optional: true }, format: FORMAT },
    desc: "Report configured backend and its status",
  })
  status({ format }: { detail?: boolean; format?: string }): Promise<HandleCommandResult> {
    return this.#handle("orch status", async () => {
      const backend = this.#backend();
      if (!backend) throw new NoOrchestrator();
      const [avail, why, details] = await this.remote(backend, "available") as [
        boolean,
        string,
        Record<string, unknown>,
      ];
      const result: Record<string, unknown> = { available: avail, backend };
      if (avail) Object.assign(result, details);
      else result.reason = why;
      if (_isJson(format)) return new HandleCommandResult(0, JSON.stringify(result), "");
      let out = `Backend: ${backend}\nAvailable: ${avail ? "Yes" : "No"}`;
      if (!avail) out += ` (${why})`;
      return new HandleCommandResult(0, out, "");
    });
  }

  @CLIWriteCommand("orch set backend", {
    args: { module_name: { type: "str", optional: true } },
    desc: "Select orchestrator module backend",
  })
  async set_backend({ module_name }: { module_name?: string }): Promise<HandleCommandResult> {
    if (!module_name) {
      await this.set_module_option("orchestrator", null);
      return new HandleCommandResult(0, "", "");
    }
    const mgrMap = this.get("mgr_map") as {
      available_modules: { name: string; can_run: boolean }[];
      modules: string[];
    };
    const mod = mgrMap.available_modules.find((m) => m.name === module_name && m.can_run);
    if (!mod) return new HandleCommandResult(-EINVAL, "", `Module '${module_name}' not found`);
    if (!mgrMap.modules.includes(module_name)) {
      return new HandleCommandResult(
        -EINVAL,
        "",
        `Module '${module_name}' is not enabled. \n Run \`ceph mgr module enable ${module_name}\` to enable.`,
      );
    }
    let isOrch = false;
    try {
      isOrch = await this.remote(module_name, "is_orchestrator_module") === true;
    } catch {
      isOrch = false;
    }
    if (!isOrch) {
      return new HandleCommandResult(-EINVAL, "", `'${module_name}' is not an orchestrator module`);
    }
    await this.set_module_option("orchestrator", module_name);
    return new HandleCommandResult(0, "", "");
  }

  @CLIWriteCommand("orch host add", {
    args: {
      hostname: "str",
      addr: { type: "str", optional: true },
      labels: { type: "str", optional: true, list: true },
      maintenance: { type: "bool", optional: true },
    },
    desc: "Add a host",
  })
  host_add(
    { hostname, addr, labels, maintenance }: {
      hostname: string;
      addr?: string;
      labels?: string[];
      maintenance?: boolean;
    },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch host add", async () => {
      const list = labels && labels.length === 1 ? (labels[0] as string).split(",") : labels ?? [];
      const spec: HostSpec = {
        hostname,
        addr: addr ?? hostname,
        labels: list,
        status: maintenance ? "maintenance" : "",
      };
      return new HandleCommandResult(0, await this.#call<string>("add_host", spec), "");
    });
  }

  @CLIWriteCommand("orch host rm", {
    args: {
      hostname: "str",
      force: { type: "bool", optional: true },
      offline: { type: "bool", optional: true },
    },
    desc: "Remove a host",
  })
  host_rm(
    { hostname, force, offline }: { hostname: string; force?: boolean; offline?: boolean },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch host rm", async () =>
      new HandleCommandResult(
        0,
        await this.#call<string>("remove_host", hostname, force === true, offline === true),
        "",
      ));
  }

  @CLIReadCommand("orch host ls", {
    args: {
      format: FORMAT,
      host_pattern: { type: "str", optional: true },
      label: { type: "str", optional: true },
      host_status: { type: "str", optional: true },
    },
    desc: "List hosts",
  })
  host_ls(
    { format, host_pattern, label, host_status }: {
      format?: string;
      host_pattern?: string;
      label?: string;
      host_status?: string;
    },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch host ls", async () => {
      let hosts = await this.#call<HostSpec[]>("get_hosts");
      if (host_pattern) {
        const re = new RegExp(
          "^" + host_pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*") + "$",
        );
        hosts = hosts.filter((h) => re.test(h.hostname));
      }
      if (label) hosts = hosts.filter((h) => h.labels.includes(label));
      if (host_status) hosts = hosts.filter((h) => h.status.toLowerCase() === host_status);
      if (_isJson(format)) {
        return new HandleCommandResult(0, pythonJson(hosts, "json"), "");
      }
      const table = new PlainTable(["HOST", "ADDR", "LABELS", "STATUS"], {
        HOST: "l",
        ADDR: "l",
        LABELS: "l",
        STATUS: "l",
      });
      for (const h of [...hosts].sort((a, b) => a.hostname < b.hostname ? -1 : 1)) {
        const status = h.status ? h.status[0]!.toUpperCase() + h.status.slice(1) : "";
        table.addRow([h.hostname, h.addr, h.labels.join(" "), status]);
      }
      let out = hosts.length > 0 ? table.toString() : "";
      out += `\n${hosts.length} hosts in cluster`;
      if (label) out += ` who had label ${label}`;
      if (host_pattern) out += ` whose hostname matched ${host_pattern}`;
      if (host_status) out += ` with status ${host_status}`;
      return new HandleCommandResult(0, out, "");
    });
  }

  @CLIWriteCommand("orch host label add", {
    args: { hostname: "str", label: "str" },
    desc: "Add a host label",
  })
  label_add(
    { hostname, label }: { hostname: string; label: string },
  ): Promise<HandleCommandResult> {
    return this.#handle(
      "orch host label add",
      async () =>
        new HandleCommandResult(0, await this.#call<string>("add_host_label", hostname, label), ""),
    );
  }

  @CLIWriteCommand("orch host label rm", {
    args: { hostname: "str", label: "str", force: { type: "bool", optional: true } },
    desc: "Remove a host label",
  })
  label_rm(
    { hostname, label, force }: { hostname: string; label: string; force?: boolean },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch host label rm", async () =>
      new HandleCommandResult(
        0,
        await this.#call<string>("remove_host_label", hostname, label, force === true),
        "",
      ));
  }

  @CLIReadCommand("orch device ls", {
    args: {
      hostname: { type: "str", optional: true, list: true },
      format: FORMAT,
      refresh: { type: "bool", optional: true },
      wide: { type: "bool", optional: true },
    },
    desc: "List devices on a host",
  })
  device_ls(
    { hostname, format, refresh }: {
      hostname?: string[];
      format?: string;
      refresh?: boolean;
      wide?: boolean;
    },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch device ls", async () => {
      const inv = await this.#call<InventoryHost[]>(
        "get_inventory",
        hostname ?? [],
        refresh === true,
      );
      if (_isJson(format)) return new HandleCommandResult(0, pythonJson(inv, "json"), "");
      const table = new PlainTable(
        ["HOST", "PATH", "TYPE", "DEVICE ID", "SIZE", "AVAILABLE", "REJECT REASONS"],
        {
          HOST: "l",
          PATH: "l",
          TYPE: "l",
          "DEVICE ID": "l",
          SIZE: "r",
          AVAILABLE: "l",
          "REJECT REASONS": "l",
        },
      );
      for (const h of [...inv].sort((a, b) => a.name < b.name ? -1 : 1)) {
        for (const d of [...h.devices].sort((a, b) => a.path < b.path ? -1 : 1)) {
          table.addRow([
            h.name,
            d.path,
            d.human_readable_type,
            d.device_id,
            _niceBytes(d.size),
            d.available ? "Yes" : "No",
            d.rejected_reasons.join(", "),
          ]);
        }
      }
      return new HandleCommandResult(0, table.toString(), "");
    });
  }

  @CLIReadCommand("orch ls", {
    args: {
      service_type: { type: "str", optional: true },
      service_name: { type: "str", optional: true },
      export: { type: "bool", optional: true },
      format: FORMAT,
      refresh: { type: "bool", optional: true },
    },
    desc: "List services known to orchestrator",
  })
  ls(
    { service_type, service_name, format, refresh }: {
      service_type?: string;
      service_name?: string;
      export?: boolean;
      format?: string;
      refresh?: boolean;
    },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch ls", async () => {
      const services = await this.#call<ServiceDescription[]>(
        "describe_service",
        service_type ?? null,
        service_name ?? null,
        refresh === true,
      );
      const name = (s: ServiceDescription) =>
        s.spec.service_id ? `${s.spec.service_type}.${s.spec.service_id}` : s.spec.service_type;
      services.sort((a, b) => name(a) < name(b) ? -1 : 1);
      if (services.length === 0) return new HandleCommandResult(0, "No services reported", "");
      if (_isJson(format)) return new HandleCommandResult(0, pythonJson(services, "json"), "");
      const now = this.now();
      const table = new PlainTable(["NAME", "PORTS", "RUNNING", "REFRESHED", "AGE", "PLACEMENT"], {
        NAME: "l",
        PORTS: "l",
        RUNNING: "r",
        REFRESHED: "l",
        AGE: "l",
        PLACEMENT: "l",
      });
      for (const s of services) {
        table.addRow([
          name(s),
          s.ports.map((p) => `*:${p}`).join(","),
          s.spec.service_type === "osd" ? String(s.running) : `${s.running}/${s.size}`,
          _niceDelta(now, s.last_refresh, " ago"),
          _niceDelta(now, s.created),
          s.spec.unmanaged ? "<unmanaged>" : _placement(s.spec.placement),
        ]);
      }
      return new HandleCommandResult(0, table.toString(), "");
    });
  }

  @CLIReadCommand("orch ps", {
    args: {
      hostname: { type: "str", optional: true },
      service_name: { type: "str", optional: true, positional: false },
      daemon_type: { type: "str", optional: true },
      daemon_id: { type: "str", optional: true },
      format: FORMAT,
      refresh: { type: "bool", optional: true },
    },
    desc: "List daemons known to orchestrator",
  })
  ps(
    { hostname, service_name, daemon_type, daemon_id, format, refresh }: {
      hostname?: string;
      service_name?: string;
      daemon_type?: string;
      daemon_id?: string;
      format?: string;
      refresh?: boolean;
    },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch ps", async () => {
      const daemons = await this.#call<DaemonDescription[]>(
        "list_daemons",
        service_name ?? null,
        daemon_type ?? null,
        daemon_id ?? null,
        hostname ?? null,
        refresh === true,
      );
      const dname = (d: DaemonDescription) => `${d.daemon_type}.${d.daemon_id}`;
      if (_isJson(format)) return new HandleCommandResult(0, pythonJson(daemons, "json"), "");
      if (daemons.length === 0) return new HandleCommandResult(0, "No daemons reported", "");
      const now = this.now();
      const table = new PlainTable(
        [
          "NAME",
          "HOST",
          "PORTS",
          "STATUS",
          "REFRESHED",
          "AGE",
          "MEM USE",
          "MEM LIM",
          "VERSION",
          "IMAGE ID",
        ],
        {
          NAME: "l",
          HOST: "l",
          PORTS: "l",
          STATUS: "l",
          REFRESHED: "r",
          AGE: "r",
          "MEM USE": "r",
          "MEM LIM": "r",
          VERSION: "l",
          "IMAGE ID": "l",
        },
      );
      for (const d of [...daemons].sort((a, b) => dname(a) < dname(b) ? -1 : 1)) {
        let status = d.status_desc ||
          (d.status === 1 ? "running" : d.status === 0 ? "stopped" : "error");
        if (d.status === 1 && d.started !== null) status += ` (${_prettyDelta(now - d.started)})`;
        table.addRow([
          dname(d),
          d.hostname,
          d.ports.map((p) => `*:${p}`).join(","),
          status,
          _niceDelta(now, d.last_refresh, " ago"),
          _niceDelta(now, d.created),
          d.memory_usage === null ? "-" : _niceBytes(d.memory_usage),
          "-",
          d.version ?? "<unknown>",
          "<unknown>",
        ]);
      }
      return new HandleCommandResult(0, table.toString(), "");
    });
  }

  @CLIWriteCommand("orch apply osd", {
    args: {
      all_available_devices: { type: "bool", optional: true },
      format: FORMAT,
      unmanaged: { type: "bool", optional: true },
      dry_run: { type: "bool", optional: true },
    },
    desc: "Create OSD daemon(s) on all available devices",
  })
  apply_osd(
    { all_available_devices }: { all_available_devices?: boolean },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch apply osd", async () => {
      if (!all_available_devices) {
        return new HandleCommandResult(
          -EINVAL,
          "",
          "--all-available-devices is required (drive group specs through -i are not supported)",
        );
      }
      const out = await this.#call<string[]>("apply_drivegroups", [{
        service_id: "all-available-devices",
        placement: { host_pattern: "*" },
        all_available_devices: true,
        data_devices: { all: true },
      }]);
      return new HandleCommandResult(0, out.join("\n"), "");
    });
  }

  @CLIWriteCommand("orch apply", {
    args: {
      service_type: { type: "str", choices: ["mon", "mgr", "rbd-mirror", "crash"], optional: true },
      placement: { type: "str", optional: true },
      dry_run: { type: "bool", optional: true },
      format: FORMAT,
      unmanaged: { type: "bool", optional: true },
      no_overwrite: { type: "bool", optional: true },
    },
    desc: "Update the size or placement for a service or apply a large yaml spec",
  })
  apply(
    { service_type, placement, unmanaged }: {
      service_type?: string;
      placement?: string;
      unmanaged?: boolean;
    },
    inbuf?: string,
  ): Promise<HandleCommandResult> {
    return this.#handle("orch apply", async () => {
      if (inbuf) {
        return new HandleCommandResult(-EINVAL, "", "service specs from -i are not supported");
      }
      if (!service_type) {
        return new HandleCommandResult(
          -EINVAL,
          "",
          "Invalid service type; usage: orch apply <type>",
        );
      }
      const out = await this.#call<string[]>("apply", [{
        service_type,
        placement: placementFromString(placement),
        unmanaged: unmanaged === true,
      }]);
      return new HandleCommandResult(0, out.join("\n"), "");
    });
  }

  @CLIWriteCommand("orch apply mds", {
    args: {
      fs_name: "str",
      placement: { type: "str", optional: true },
      dry_run: { type: "bool", optional: true },
      unmanaged: { type: "bool", optional: true },
      format: FORMAT,
    },
    desc: "Update the number of MDS instances for the given fs_name",
  })
  apply_mds(
    { fs_name, placement, unmanaged }: { fs_name: string; placement?: string; unmanaged?: boolean },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch apply mds", async () => {
      const out = await this.#call<string[]>("apply", [{
        service_type: "mds",
        service_id: fs_name,
        placement: placementFromString(placement),
        unmanaged: unmanaged === true,
      }]);
      return new HandleCommandResult(0, out.join("\n"), "");
    });
  }

  @CLIWriteCommand("orch daemon add", {
    args: {
      daemon_type: { type: "str", choices: ["mon", "mgr", "rbd-mirror", "crash"], optional: true },
      placement: { type: "str", optional: true },
    },
    desc: "Add daemon(s)",
  })
  daemon_add(
    { daemon_type, placement }: { daemon_type?: string; placement?: string },
  ): Promise<HandleCommandResult> {
    return this.#handle("orch daemon add", async () => {
      if (!daemon_type) return new HandleCommandResult(-EINVAL, "", "Invalid daemon type");
      const out = await this.#call<string[]>("add_daemon", {
        service_type: daemon_type,
        placement: placementFromString(placement),
      });
      return new HandleCommandResult(0, out.join("\n"), "");
    });
  }

  @CLIWriteCommand("orch daemon add osd", {
    args: {
      svc_arg: { type: "str", optional: true },
      method: { type: "str", choices: ["raw", "lvm"], optional: true },
    },
    desc:
      "Create OSD daemon(s) on specified host and device(s) (e.g., ceph orch daemon add osd myhost:/dev/sdb)",
  })
  daemon_add_osd({ svc_arg }: { svc_arg?: string; method?: string }): Promise<HandleCommandResult> {
    return this.#handle("orch daemon add osd", async () => {
      const usage = "\nUsage:\n  ceph orch daemon add osd host:device1,device2,...\n" +
        "  ceph orch daemon add osd host:data_devices=device1,device2,db_devices=device3,osds_per_device=2,...\n";
      if (!svc_arg) return new HandleCommandResult(-EINVAL, "", usage);
      // Ceph's `host_name, raw = svc_arg.split(":")`: exactly one colon.
      const parts = svc_arg.split(":");
      if (parts.length !== 2) {
        const why = parts.length < 2
          ? "not enough values to unpack (expected 2, got 1)"
          : `too many values to unpack (expected 2)`;
        return new HandleCommandResult(
          -EINVAL,
          "",
          `Invalid host:device spec: '${svc_arg}': ${why}` + usage,
        );
      }
      const [host, raw] = parts as [string, string];
      const paths: string[] = [];
      for (const v of raw.split(",")) {
        const m = /^data_devices=(.*)$/.exec(v);
        if (m) paths.push(m[1]!);
        else if (!v.includes("=")) paths.push(v);
      }
      const out = await this.#call<string>("create_osds", {
        service_id: "",
        placement: { host_pattern: host },
        ...(paths.length > 0 ? { data_devices: { paths } } : {}),
      });
      return new HandleCommandResult(0, out, "");
    });
  }

  @CLIWriteCommand("orch daemon rm", {
    args: { names: { type: "str", list: true }, force: { type: "bool", optional: true } },
    desc: "Remove specific daemon(s)",
  })
  daemon_rm({ names }: { names: string[]; force?: boolean }): Promise<HandleCommandResult> {
    return this.#handle("orch daemon rm", async () => {
      for (const name of names) {
        if (!name.includes(".")) {
          return new HandleCommandResult(-EINVAL, "", `${name} is not a valid daemon name`);
        }
      }
      const out = await this.#call<string[]>("remove_daemons", names);
      return new HandleCommandResult(0, out.join("\n"), "");
    });
  }
}

/** Ceph's `nice_bytes`/`format_bytes` as `orch` prints sizes: `100G`. */
function _niceBytes(n: number): string {
  const units = ["", "K", "M", "G", "T", "P", "E"];
  let u = 0, v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[u]}`;
}
