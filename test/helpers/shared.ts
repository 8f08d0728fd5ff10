// The project's shared material (reference corpus, sv-dump-config.py) sits beside the repo as
// ../shared, in a developer's checkout and in CI's fresh clone alike.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const SHARED_DIR = process.env.SUPERVISOR_TS_SHARED ?? path.resolve(repoRoot, '../shared');
export const CORPUS_DIR = path.join(SHARED_DIR, 'corpus');
export const SV_DUMP_CONFIG = path.join(SHARED_DIR, 'tools', 'sv-dump-config.py');
