/**
 * Engine throughput: events per wall second for tasks sleeping on the virtual clock.
 * Events per iteration are in each bench's name; events/s = events / (time per iteration).
 */
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler, VirtualClock } from "../sim/engine/scheduler.ts";

async function sleepers(tasks: number, rounds: number, distinctPeriods: boolean): Promise<number> {
  const s = new Scheduler({ rng: new Rng(1) });
  for (let t = 0; t < tasks; t++) {
    const clock = new VirtualClock(s, `task${t}`);
    const period = distinctPeriods ? 1 + t * 0.001 : 5;
    (async () => {
      for (let i = 0; i < rounds; i++) await clock.sleep(period);
    })();
  }
  await s.run();
  if (s.eventsRun !== tasks * rounds) throw new Error(`ran ${s.eventsRun} events`);
  return s.eventsRun;
}

Deno.bench("3 tasks x 1000 sleeps, distinct instants (3,000 events, 3,000 yields)", async () => {
  await sleepers(3, 1000, true);
});

Deno.bench(
  "1,000 tasks x 10 sleeps of 5 s, shared instants (10,000 events, 10 yields)",
  async () => {
    await sleepers(1000, 10, false);
  },
);

Deno.bench("PRNG: 1,000,000 next() draws", () => {
  const s = new Rng(1).stream("bench");
  let acc = 0;
  for (let i = 0; i < 1_000_000; i++) acc += s.next();
  if (acc < 0) throw new Error("unreachable");
});
