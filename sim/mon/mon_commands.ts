/**
 * The commands the embedded mon answers, in Ceph's signature grammar, with the help text and
 * permissions of Ceph 16.2's src/mon/MonCommands.h. The manager publishes them beside its own,
 * validates every call against them and forwards them to the mon.
 *
 * @module
 */
import type { CommandSignature } from "../../core/cluster_link.ts";

const DEPRECATED = 4;

// deno-fmt-ignore
export const MON_COMMANDS: readonly CommandSignature[] = [
  { sig: "log name=logtext,type=CephString,n=N", help: "log supplied text to the monitor log", perm: "rw" },
  { sig: "log last name=num,type=CephInt,range=1,req=false name=level,type=CephChoices,strings=debug|info|sec|warn|error,req=false name=channel,type=CephChoices,strings=*|cluster|audit|cephadm,req=false", help: "print last few lines of the cluster log", perm: "r" },
  { sig: "config-key get name=key,type=CephString", help: "get <key>", perm: "r" },
  { sig: "config-key set name=key,type=CephString name=val,type=CephString,req=false", help: "set <key> to value <val>", perm: "rw" },
  { sig: "config-key put name=key,type=CephString name=val,type=CephString,req=false", help: "put <key>, value <val>", perm: "rw", flags: DEPRECATED },
  { sig: "config-key del name=key,type=CephString", help: "delete <key>", perm: "rw", flags: DEPRECATED },
  { sig: "config-key rm name=key,type=CephString", help: "rm <key>", perm: "rw" },
  { sig: "config-key exists name=key,type=CephString", help: "check for <key>'s existence", perm: "r" },
  { sig: "config-key list", help: "list keys", perm: "r", flags: DEPRECATED },
  { sig: "config-key ls", help: "list keys", perm: "r" },
  { sig: "config-key dump name=key,type=CephString,req=false", help: "dump keys and values (with optional prefix)", perm: "r" },
  { sig: "mgr dump name=epoch,type=CephInt,range=0,req=false", help: "dump the latest MgrMap", perm: "r" },
  { sig: "mgr module ls", help: "list active mgr modules", perm: "r" },
  { sig: "mgr services", help: "list service endpoints provided by mgr modules", perm: "r" },
  { sig: "mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false", help: "enable mgr module", perm: "rw" },
  { sig: "mgr module disable name=module,type=CephString", help: "disable mgr module", perm: "rw" },
  { sig: "mgr metadata name=who,type=CephString,req=false", help: "dump metadata for all daemons or a specific daemon", perm: "r" },
  { sig: "mgr count-metadata name=property,type=CephString", help: "count ceph-mgr daemons by metadata field property", perm: "r" },
  { sig: "mgr versions", help: "check running versions of ceph-mgr daemons", perm: "r" },
  { sig: "mgr fail name=who,type=CephString,req=false", help: "treat the named manager daemon as failed", perm: "rw" },
  { sig: "mgr stat", help: "dump basic info about the mgr cluster state", perm: "r" },
  { sig: "config set name=who,type=CephString name=name,type=CephString name=value,type=CephString name=force,type=CephBool,req=false", help: "Set a configuration option for one or more entities", perm: "rw" },
  { sig: "config rm name=who,type=CephString name=name,type=CephString", help: "Clear a configuration option for one or more entities", perm: "rw" },
  { sig: "config get name=who,type=CephString name=key,type=CephString,req=false", help: "Show configuration option(s) for an entity", perm: "r" },
  { sig: "config dump", help: "Show all configuration option(s)", perm: "r" },
  { sig: "config ls", help: "List available configuration options", perm: "r" },
];
