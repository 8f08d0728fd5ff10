// 4.2.5 prints any exception escaping a command as `error: <class>, <str>: file: <f> line: <n>`;
// these classes carry exactly the parts that line needs, so our output matches byte for byte.
import { pyRepr } from '../config/python.js';

const PY_LIB = '/usr/lib/python3.11';
const SUPERVISOR_LIB = '/usr/lib/python3/dist-packages/supervisor';

/** An error as Python would have raised it inside the 4.2.5 client. */
export class PythonStyleError extends Error {
  constructor(
    /** the repr of the exception class, e.g. `<class 'ValueError'>` */
    readonly pyClass: string,
    /** str() of the exception */
    readonly pyStr: string,
    /** where 4.2.5's traceback ends (file and line) */
    readonly where: { file: string; line: number },
  ) {
    super(pyStr);
    this.name = 'PythonStyleError';
  }

  /** The line 4.2.5's Controller.onecmd prints. */
  errorLine(): string {
    return `error: ${this.pyClass}, ${this.pyStr}: file: ${this.where.file} line: ${this.where.line}`;
  }
}

/** xmlrpc.client.Fault: a fault the server returned. */
export class RpcFault extends PythonStyleError {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super("<class 'xmlrpc.client.Fault'>", `<Fault ${faultCode}: ${pyRepr(faultString)}>`, {
      file: `${PY_LIB}/xmlrpc/client.py`,
      line: 668,
    });
  }
}

/** xmlrpc.client.ProtocolError: an HTTP status other than 200 (401 for bad credentials). */
export class ProtocolError extends PythonStyleError {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    // 4.2.5 hands ServerProxy a fake http://127.0.0.1 URL, so that host appears whatever the server
    super("<class 'xmlrpc.client.ProtocolError'>", `<ProtocolError for 127.0.0.1/RPC2: ${status} ${reason}>`, {
      file: `${SUPERVISOR_LIB}/xmlrpc.py`,
      line: 539,
    });
  }
}

/** A socket error (Python's OSError subclasses), keyed by Node's errno code. */
export class SocketError extends PythonStyleError {
  constructor(
    /** Node's code: ECONNREFUSED, ENOENT, ENOTFOUND... */
    readonly code: string,
    transport: 'unix' | 'tcp',
  ) {
    const known = SOCKET_ERRORS[code];
    const text = known ? `[Errno ${known.errno}] ${known.text}` : code;
    const where =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? { file: `${PY_LIB}/socket.py`, line: 962 }
        : transport === 'unix'
          ? { file: `${SUPERVISOR_LIB}/xmlrpc.py`, line: 557 }
          : { file: `${PY_LIB}/socket.py`, line: 836 };
    super(`<class '${known?.pyClass ?? 'OSError'}'>`, text, where);
  }
}

const SOCKET_ERRORS: Record<string, { errno: number; text: string; pyClass: string }> = {
  ECONNREFUSED: { errno: 111, text: 'Connection refused', pyClass: 'ConnectionRefusedError' },
  ENOENT: { errno: 2, text: 'No such file or directory', pyClass: 'FileNotFoundError' },
  EACCES: { errno: 13, text: 'Permission denied', pyClass: 'PermissionError' },
  ECONNRESET: { errno: 104, text: 'Connection reset by peer', pyClass: 'ConnectionResetError' },
  EPIPE: { errno: 32, text: 'Broken pipe', pyClass: 'BrokenPipeError' },
  ETIMEDOUT: { errno: 110, text: 'Connection timed out', pyClass: 'TimeoutError' },
  EHOSTUNREACH: { errno: 113, text: 'No route to host', pyClass: 'OSError' },
  ENETUNREACH: { errno: 101, text: 'Network is unreachable', pyClass: 'OSError' },
  ENOTSOCK: { errno: 88, text: 'Socket operation on non-socket', pyClass: 'OSError' },
  ENOTFOUND: { errno: -2, text: 'Name or service not known', pyClass: 'socket.gaierror' },
  EAI_AGAIN: { errno: -3, text: 'Temporary failure in name resolution', pyClass: 'socket.gaierror' },
};

/** The ValueError 4.2.5's result formatters raise for a status code they do not know. */
export function unknownResultCode(code: number, namespec: string, line: number): PythonStyleError {
  return new PythonStyleError("<class 'ValueError'>", `Unknown result code ${code} for ${namespec}`, {
    file: `${SUPERVISOR_LIB}/supervisorctl.py`,
    line,
  });
}
