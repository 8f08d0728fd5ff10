// process.exit() drops whatever stdout and stderr still hold when they are pipes or sockets that
// are read late (a parent reading after the child ended, a slow container log driver): the tail
// of the output is lost. Exiting once both have written what was queued keeps it.
import process from 'node:process';

export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.destroyed || stream.writableEnded) return resolve();
          // writes complete in order: this callback runs once everything before it is written, which
          // writableLength cannot tell (bytes already handed to libuv's queue are not counted there)
          stream.write('', () => resolve());
        }),
    ),
  );
  process.exit(code);
}
