// Fails at once, every time: supervisord backs off and finally marks it FATAL.
console.error('flaky: cannot reach the database (on purpose), exiting 1');
process.exit(1);
