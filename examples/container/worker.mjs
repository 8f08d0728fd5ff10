// The example's background worker: one line per job, every 2 seconds; finishes the current job on SIGTERM.
let job = 0;
const timer = setInterval(() => console.log(`job ${++job} done`), 2000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log(`stopping after job ${job}`);
});
