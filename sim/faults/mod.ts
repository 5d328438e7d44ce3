/**
 * Faults as data, their injection into a simulated cluster, random schedules from the
 * "faults" stream and fast-check arbitraries.
 *
 * @module
 */

export {
  drawFaults,
  FAULT_KINDS,
  FaultInjector,
  type FaultSpec,
  healTime,
  type RandomFaults,
  validateFault,
} from "./faults.ts";
export { faultArb, faultScheduleArb, type FaultTopology } from "./arbitraries.ts";
