/**
 * The `mgrd ceph` client: the public API in one place.
 *
 * @module
 */
export { type ByteWriter, type CephIo, cephMain, EINTR } from "./ceph_cli.ts";
export {
  type CliOptions,
  DEFAULT_DATA_DIR,
  DEFAULT_PERIOD,
  OPTIONS_HELP,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseCliArgs,
  type ParseResult,
  USAGE_LINE,
} from "./args.ts";
export {
  clientErrnoName,
  ClientError,
  type CommandReply,
  DaemonClient,
  type DaemonTarget,
  ECONNREFUSED,
  EFBIG,
  type FetchFn,
  resolveTarget,
  type TargetOptions,
} from "./daemon_client.ts";
export { formatHelp, sectionHeader, wrapText } from "./help.ts";
export { type KeyringEntry, parseKeyring } from "../../ceph/keyring.ts";
