// The Supervisor version whose behaviour we reproduce. Clients (supervisorctl, monitoring tools)
// read it from `supervisord -v` and getSupervisorVersion to decide what the server speaks.
export const COMPAT_VERSION = '4.2.5';
