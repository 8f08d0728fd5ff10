// Each case is written to a fresh temp dir and loaded by the real Supervisor 4.2.5 (through
// shared/tools/sv-dump-config.py) and by our loader; the two JSON dumps must be identical.
import { SV_DUMP_CONFIG } from '../helpers/shared.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { renderDump } from '../../src/config/dump.js';
import { loadConfigResult } from '../../src/config/loader.js';

const DUMP_TOOL = SV_DUMP_CONFIG;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ENV = { HOME: '/root', USER: 'root', FOO: 'bar', SHARP: 'a#b' };

const BASE = `[supervisord]
logfile=/tmp/sv-live.log
pidfile=/tmp/sv-live.pid
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://%(here)s/sv.sock
`;

interface Case {
  name: string;
  /** main file; BASE is prepended unless `bare` */
  conf: string;
  bare?: boolean;
  /** extra files, relative to the temp dir */
  files?: Record<string, string>;
  /** the substring 4.2.5's error must contain (undefined = must load) */
  error?: string;
}

const CASES: Case[] = [
  // INI syntax
  { name: 'inline comments need whitespace before them', conf: '[program:x]\ncommand=/bin/sh -c "a;b" ; c\nenvironment=A="x#y" #c\n' },
  { name: 'nginx daemon off with a quoted semicolon', conf: '[program:nginx]\ncommand=/usr/sbin/nginx -g "daemon off;"\n' },
  { name: 'quotes do not protect from inline comments', conf: "[program:x]\ncommand=bash -c 'foo ; bar'\n" },
  { name: 'continuation lines, blank and comment lines inside', conf: '[program:x]\ncommand=/bin/echo\n  one\n\n  two\n# comment\n  three\n\nautostart = false\n' },
  { name: 'colon delimiter, upper-case keys, tabs', conf: '[program:x]\nCommand: /bin/true\n\tpriority = 5\nAutoStart\t=\tTrue\nstartsecs :3\n' },
  { name: 'duplicate sections merge, last key wins', conf: '[program:x]\ncommand=/bin/a\npriority=1\n[program:x]\ncommand=/bin/b\n' },
  { name: 'DEFAULT section is inherited', conf: '[DEFAULT]\nstartsecs=7\n[program:x]\ncommand=/bin/true\n' },
  { name: 'dotted program name and unknown sections', conf: '[program:a.b]\ncommand=/bin/true\n[Program:y]\ncommand=/bin/true\n[plugin:prefix]\nmodule=x\n[foo:bar]\nx=1\n' },
  { name: 'CRLF line endings and no final newline', conf: '[program:x]\r\ncommand=/bin/true\r\nstartsecs=2', },
  { name: 'non-ASCII values and comments', conf: '; café\n[program:x]\ncommand=/bin/echo héllo ✓\n' },
  { name: 'parse error: line without delimiter', conf: '[program:x]\ncommand=/bin/true\nthis line has no equals\n=empty key\n', error: 'Source contains parsing errors' },
  { name: 'parse error: no section header', conf: 'command=/bin/true\n', bare: true, error: 'File contains no section headers' },
  // %-expansion
  { name: 'every process name', conf: '[program:x]\ncommand=/bin/sh -c "echo 100%% %(program_name)s %(process_num)02d %(numprocs)d %(group_name)s %(here)s %(ENV_HOME)s %(host_node_name)s"\n' },
  { name: 'process_name with ENV from the program environment', conf: '[program:x]\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d_%(ENV_FOO)s\nenvironment=FOO="bar%(process_num)d"\ncommand=/bin/true\n' },
  { name: 'bare %s is the expansion dictionary', conf: '[program:x]\ncommand=/bin/date +%s\n' },
  { name: 'unknown name', conf: '[program:x]\ncommand=/bin/sleep %(foo)s\n', error: 'cannot be expanded' },
  { name: 'bad %d against the dictionary', conf: '[program:x]\ncommand=/bin/echo 100%d\n', error: 'a real number is required, not dict' },
  { name: 'priority sees only ENV and here', conf: '[program:x]\ncommand=/bin/true\npriority=%(process_num)d\n', error: "for 'program:x.priority'" },
  { name: 'autostart has no process_num', conf: '[program:x]\ncommand=/bin/true\nautostart=%(process_num)s\n', error: "for 'program:x.autostart'" },
  { name: 'password needs %%', conf: '[inet_http_server]\nport=127.0.0.1:9001\nusername=a\npassword=a%b\n', error: 'unsupported format character' },
  { name: 'supervisord environment is expanded twice', conf: '[supervisord]\nenvironment=URI="/first%%20name"\n', error: "for 'environment'" },
  { name: 'supervisord environment with %%%%', conf: '[supervisord]\nenvironment=URI="/first%%%%20name"\n[program:x]\ncommand=/bin/echo %(ENV_URI)s\n' },
  { name: 'stdout_logfile is expanded twice', conf: '[program:x]\ncommand=/bin/true\nstdout_logfile=/tmp/pct%%name.log\n', error: "for 'stdout_logfile'" },
  { name: 'ENV_ of the caller and of [supervisord] environment', conf: '[supervisord]\nenvironment=G="global"\n[program:x]\ncommand=/bin/echo %(ENV_FOO)s %(ENV_G)s %(ENV_SHARP)s\ndirectory=%(ENV_HOME)s\n' },
  // environment=
  { name: 'environment quoting and silently dropped tokens', conf: `[program:x]\ncommand=/bin/true\nenvironment=A="x,y",B='z w',C=plain,D="a=b", E = 1 , H=/p/a-b.c:d(e)+f,F=$HOME\n` },
  { name: 'environment drops the token after a value', conf: '[program:x]\ncommand=/bin/true\nenvironment=A=1,G=a b\n' },
  { name: 'environment empty quotes and a non-ASCII character as separator', conf: '[program:x]\ncommand=/bin/true\nenvironment=A="",B=caf\u00e9\n' },
  { name: 'environment unclosed quote', conf: '[program:y]\ncommand=/bin/true\nenvironment=A="x\n', error: 'No closing quotation' },
  { name: 'environment unexpected end', conf: '[program:x]\ncommand=/bin/true\nenvironment=A=1,B\n', error: 'Unexpected end of key/value pairs' },
  // [include]
  {
    name: 'include globs relative to the including file, here per file',
    conf: '[include]\nfiles=conf.d/*.conf missing/*.ini\n[program:x]\ncommand=%(here)s/main\n',
    files: {
      'conf.d/a.conf': '[program:x]\ncommand=%(here)s/override\n[program:y]\ncommand=/bin/true\n',
      'conf.d/b.conf': '[group:g]\nprograms=y\n',
      'conf.d/.hidden.conf': '[program:hidden]\ncommand=/bin/true\n',
    },
  },
  { name: 'include without files', conf: '[include]\nfoo=bar\n', error: 'no files setting' },
  { name: 'error in an included file names that file', conf: '[include]\nfiles=inc/*.conf\n', files: { 'inc/x.conf': '[program:x]\ncommand=/bin/true\nstartsecs=abc\n' }, error: 'invalid literal for int()' },
  { name: 'file without [supervisord]', conf: '[program:x]\ncommand=/bin/true\n', bare: true, error: 'does not include supervisord section' },
  // numprocs, groups, names
  { name: 'numprocs and numprocs_start sort by name', conf: '[program:w]\ncommand=/bin/true\nnumprocs=11\nnumprocs_start=5\nprocess_name=w_%(process_num)d\n' },
  { name: 'numprocs needs process_num', conf: '[program:x]\ncommand=/bin/true\nnumprocs=2\n', error: '%(process_num) must be present' },
  { name: 'numprocs=0 gives no processes', conf: '[program:x]\ncommand=/bin/true\nnumprocs=0\n' },
  { name: 'groups, priorities, program in two groups', conf: '[group:g1]\nprograms=a,b\npriority=5\n[group:g2]\nprograms=a\n[program:a]\ncommand=/bin/true\npriority=3\n[program:b]\ncommand=/bin/true\n[program:c]\ncommand=/bin/true\npriority=1\n' },
  { name: 'group names the previous program (4.2.5 bug)', conf: '[group:g]\nprograms=a,b\n[program:a]\ncommand=/bin/true\n', error: '[program:a] names unknown program' },
  { name: 'invalid program name', conf: '[program:a b]\ncommand=/bin/true\n', error: "Invalid name: 'a b'" },
  { name: 'invalid process_name', conf: '[program:x]\ncommand=/bin/true\nprocess_name=x:%(process_num)d\n', error: 'Invalid name' },
  // value types
  { name: 'all program keys set', conf: '[program:x]\ncommand=/bin/true\nautostart=off\nautorestart=TRUE\nstartsecs=0\nstartretries=1_0\nexitcodes=0, 2,255\nstopsignal=sigkill\nstopwaitsecs= 3\nstopasgroup=yes\nkillasgroup=on\nuser=www-data\numask=0o22\nredirect_stderr=true\nstderr_logfile=/tmp/e.log\nstdout_logfile=NONE\nstdout_logfile_maxbytes=1KB\nstdout_logfile_backups=0\nstdout_capture_maxbytes=1gb\nstdout_events_enabled=1\nstdout_syslog=true\nserverurl=auto\ndirectory=/no/such/dir\n' },
  { name: 'stopsignal number 0 and deprecated syslog logfile', conf: '[program:x]\ncommand=/bin/true\nstopsignal=0\nstdout_logfile=syslog\nstderr_logfile_maxbytes=0\n' },
  { name: 'bad boolean', conf: '[program:x]\ncommand=/bin/true\nautostart=maybe\n', error: 'not a valid boolean value' },
  { name: 'bad signal name', conf: '[program:x]\ncommand=/bin/true\nstopsignal=FOO\n', error: 'not a valid signal name' },
  { name: 'bad signal number', conf: '[program:x]\ncommand=/bin/true\nstopsignal=40\n', error: 'not a valid signal number' },
  { name: 'missing command', conf: '[program:x]\nstartsecs=1\n', error: 'does not specify a command' },
  { name: 'bad int', conf: '[program:x]\ncommand=/bin/true\nstartsecs=abc\n', error: 'invalid literal for int()' },
  { name: 'bad exit codes', conf: '[program:x]\ncommand=/bin/true\nexitcodes=0,256\n', error: 'not a valid list of exit codes' },
  { name: 'bad byte size', conf: '[program:x]\ncommand=/bin/true\nstdout_logfile_maxbytes=10XB\n', error: "'10xb'" },
  { name: 'unknown user', conf: '[program:x]\ncommand=/bin/true\nuser=nosuchuser\n', error: 'Invalid user name nosuchuser' },
  { name: 'bad umask', conf: '[program:x]\ncommand=/bin/true\numask=999\n', error: 'can not be converted to an octal type' },
  { name: 'stopasgroup without killasgroup', conf: '[program:x]\ncommand=/bin/true\nstopasgroup=true\nkillasgroup=false\n', error: 'Cannot set stopasgroup=true' },
  { name: 'bad autorestart', conf: '[program:x]\ncommand=/bin/true\nautorestart=Sometimes\n', error: "invalid 'autorestart' value 'sometimes'" },
  { name: 'missing log directory', conf: '[program:x]\ncommand=/bin/true\nstdout_logfile=/no/such/dir/x.log\n', error: 'does not exist' },
  { name: 'bad loglevel', conf: '[supervisord]\nloglevel=loud\n', error: "bad logging level name 'loud'" },
  { name: 'bad minfds', conf: '[supervisord]\nminfds=abc\n', error: 'invalid literal' },
  { name: 'supervisord keys', conf: '[supervisord]\nnodaemon=true\nsilent=1\nminfds=2048\nminprocs=300\numask=077\nloglevel=WARN\nidentifier=me\nchildlogdir=/tmp\nstrip_ansi=on\nnocleanup=yes\nlogfile_maxbytes=1MB\nlogfile_backups=3\nuser=nobody\ndirectory=/tmp\n' },
  // eventlisteners
  { name: 'eventlistener pool', conf: '[eventlistener:l]\ncommand=/bin/cat\nevents=process_state,TICK_60,PROCESS_STATE\nbuffer_size=20\nstdout_capture_maxbytes=1MB\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)s\n' },
  { name: 'eventlistener unknown event', conf: '[eventlistener:l]\ncommand=/bin/cat\nevents=FOO_BAR\n', error: 'Unknown event type FOO_BAR' },
  { name: 'eventlistener without events', conf: '[eventlistener:l]\ncommand=/bin/cat\n', error: 'requires an "events" line' },
  { name: 'eventlistener redirect_stderr', conf: '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nredirect_stderr=true\n', error: 'sets redirect_stderr=true' },
  { name: 'eventlistener buffer_size 0', conf: '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nbuffer_size=0\n', error: 'invalid buffer_size (0)' },
  { name: 'eventlistener unresolvable result_handler', conf: '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nresult_handler=no_such_mod:handler\n', error: 'cannot be resolved within [eventlistener:l]' },
  // fcgi
  { name: 'fcgi unix socket with owner and mode', conf: '[fcgi-program:f]\ncommand=/bin/true\nsocket=unix:///tmp/%(program_name)s.sock\nsocket_owner=www-data:www-data\nsocket_mode=0660\nsocket_backlog=64\nnumprocs=2\nprocess_name=f-%(process_num)d\nuser=www-data\n' },
  { name: 'fcgi tcp socket in a group', conf: '[group:web]\nprograms=f\n[fcgi-program:f]\ncommand=/bin/true\nsocket=tcp://LocalHost:9000\n' },
  { name: 'fcgi without socket', conf: '[fcgi-program:f]\ncommand=/bin/true\n', error: 'requires a "socket" line' },
  { name: 'fcgi bad socket format', conf: '[fcgi-program:f]\ncommand=/bin/true\nsocket=foo://bar\n', error: "('Bad socket format %s', 'foo://bar')" },
  { name: 'fcgi relative unix socket', conf: '[fcgi-program:f]\ncommand=/bin/true\nsocket=unix://rel.sock\n', error: 'is not an absolute path' },
  // HTTP servers, rpcinterface
  { name: 'inet and unix servers', conf: '[inet_http_server]\nport=*:9001\nusername=u\npassword={SHA}0123456789012345678901234567890123456789\n[inet_http_server:two]\nport=9002\n[unix_http_server]\nfile=%(here)s/sup.sock\nchmod=0770\nchown=nobody:nogroup\n' },
  { name: 'inet server without port', conf: '[inet_http_server]\n', error: 'has no port value' },
  { name: 'inet port not a number', conf: '[inet_http_server]\nport=abc\n', error: "not a valid port number: 'abc' " },
  { name: 'inet port too large', conf: '[inet_http_server]\nport=127.0.0.1:99999\n', error: '99999 is above upper bound (65535)' },
  { name: 'incomplete authentication', conf: '[inet_http_server]\nport=9001\nusername=a\n', error: 'incomplete authentication' },
  { name: 'unix server without file', conf: '[unix_http_server:two]\nchmod=0777\n', error: 'has no file value' },
  { name: 'unix server bad chmod', conf: '[unix_http_server]\nfile=/tmp/x.sock\nchmod=0999\n', error: 'Invalid chmod value 0999' },
  { name: 'rpcinterface without factory', conf: '[rpcinterface:foo]\nx=1\n', error: 'does not specify a supervisor.rpcinterface_factory' },
  { name: 'rpcinterface unresolvable factory', conf: '[rpcinterface:foo]\nsupervisor.rpcinterface_factory = no.such.module:make\n', error: 'cannot be resolved within [rpcinterface:foo]' },
  { name: 'rpcinterface options are expanded', conf: '[rpcinterface:extra]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\nretries = %(ENV_FOO)s\n' },
  { name: 'supervisord user unknown', conf: '[supervisord]\nuser=nosuchuser\n', error: 'Invalid user name nosuchuser' },
];

function oracle(file: string, cwd: string): string {
  const args = [DUMP_TOOL, '-C', cwd];
  for (const [k, v] of Object.entries(ENV)) args.push('-e', `${k}=${v}`);
  args.push(file);
  return execFileSync('/usr/bin/python3', args, { env: { PATH }, encoding: 'utf8' });
}

function ours(file: string, cwd: string, relaxed: boolean): string {
  return renderDump(loadConfigResult(file, { env: { PATH, ...ENV }, cwd, relaxed }));
}

describe('live parity with Supervisor 4.2.5 (sv-dump-config.py)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-live-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  CASES.forEach((c, i) => {
    test(c.name, () => {
      const dir = path.join(root, String(i));
      fs.mkdirSync(dir);
      for (const [rel, text] of Object.entries(c.files ?? {})) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      const file = path.join(dir, 'supervisord.conf');
      fs.writeFileSync(file, c.bare ? c.conf : BASE + c.conf);
      const expected = oracle(file, dir);
      const parsed = JSON.parse(expected) as { ok: boolean; error?: string; strict_error: string | null };
      // the table says what each case is about; 4.2.5 must agree before we compare with it
      if (c.error === undefined) assert.equal(parsed.ok, true, `4.2.5 rejected: ${parsed.error}`);
      else assert.ok((parsed.error ?? parsed.strict_error ?? '').includes(c.error), `4.2.5 said: ${expected}`);
      assert.equal(ours(file, dir, true), expected);
    });
  });
});
