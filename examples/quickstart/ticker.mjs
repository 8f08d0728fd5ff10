// Writes a line every second, so there is always something to tail.
let n = 0;
setInterval(() => console.log(`ticker: tick ${++n}`), 1000);
