// The host's name and temp directory, with node:os loaded at the first use: supervisorctl reads its
// config on every call (an exec probe every few seconds) and needs neither unless the file asks for
// %(host_node_name)s or a program's default childlogdir.
import { createRequire } from 'node:module';
import type os from 'node:os';

let osModule: typeof os | undefined;
const nodeOs = (): typeof os => (osModule ??= createRequire(import.meta.url)('node:os') as typeof os);

export const hostName = (): string => nodeOs().hostname();
export const tempDirectory = (): string => nodeOs().tmpdir();
