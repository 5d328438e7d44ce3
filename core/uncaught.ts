/**
 * What nobody caught: a rejected promise that no one awaited, an exception thrown in a timer
 * callback. Left alone, Deno ends the process on either; a manager must not die because one of
 * its modules forgot an `await`. Each module host registers a claim; the first listener that
 * recognises the error (by the module's source in its stack) takes it, and the module is marked
 * failed, as Ceph marks a module whose thread raised. What no host claims is logged by the
 * first host registered, and the process carries on.
 *
 * The listeners are process-wide, as the events are: they are added with the first claim and
 * removed with the last.
 *
 * @module
 */

/** A host's claim on uncaught errors; returns true when the error was one of its modules'. */
export type UncaughtClaim = (error: unknown, kind: UncaughtKind) => boolean;

/** How a host logs an error nobody claimed. */
export type UncaughtFallback = (error: unknown, kind: UncaughtKind) => void;

/** Which event it was. */
export type UncaughtKind = "unhandled rejection" | "uncaught exception";

const claims: { claim: UncaughtClaim; fallback: UncaughtFallback }[] = [];

function onRejection(e: PromiseRejectionEvent): void {
  e.preventDefault();
  dispatch(e.reason, "unhandled rejection");
}

function onError(e: ErrorEvent): void {
  e.preventDefault();
  dispatch(e.error ?? e.message, "uncaught exception");
}

function dispatch(error: unknown, kind: UncaughtKind): void {
  for (const c of claims) {
    try {
      if (c.claim(error, kind)) return;
    } catch { /* a claim that throws claims nothing */ }
  }
  const first = claims[0];
  if (first) first.fallback(error, kind);
}

/**
 * Registers a claim on uncaught errors; returns the function that withdraws it.
 *
 * @example
 * ```ts
 * import { claimUncaught } from "./uncaught.ts";
 * const seen: unknown[] = [];
 * const release = claimUncaught((e) => (seen.push(e), true), () => {});
 * Promise.reject(new Error("nobody awaits me"));
 * await new Promise((r) => setTimeout(r, 0));
 * release();
 * if (seen.length !== 1) throw new Error("claimed");
 * ```
 */
export function claimUncaught(claim: UncaughtClaim, fallback: UncaughtFallback): () => void {
  const entry = { claim, fallback };
  if (claims.length === 0) {
    globalThis.addEventListener("unhandledrejection", onRejection);
    globalThis.addEventListener("error", onError);
  }
  claims.push(entry);
  return () => {
    const i = claims.indexOf(entry);
    if (i < 0) return;
    claims.splice(i, 1);
    if (claims.length === 0) {
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
    }
  };
}

/** The text of an error for the log: its stack when it has one. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  try {
    return typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
