// 4.2.5's method table, generated once from its source (supervisor/rpcinterface.py and
// xmlrpc.py): parameter names, how many are required, the raw docstring system.methodHelp
// returns and the signature system.methodSignature derives from its @return/@param tags.

export interface MethodDoc {
  params: readonly string[];
  /** the leading params without a default */
  required: number;
  doc: string;
  /** [return type, param types...]; null when the docstring has no @return (SIGNATURE_UNSUPPORTED) */
  signature: readonly string[] | null;
}

export const METHOD_DOCS: Readonly<Record<string, MethodDoc>> = {
  'supervisor.addProcessGroup': {
    params: ['name'],
    required: 1,
    doc: " Update the config for a running process from config file.\n\n        @param string name         name of process group to add\n        @return boolean result     true if successful\n        ",
    signature: ['boolean', 'string'],
  },
  'supervisor.clearAllProcessLogs': {
    params: [],
    required: 0,
    doc: " Clear all process log files\n\n        @return array result   An array of process status info structs\n        ",
    signature: ['array'],
  },
  'supervisor.clearLog': {
    params: [],
    required: 0,
    doc: " Clear the main log.\n\n        @return boolean result always returns True unless error\n        ",
    signature: ['boolean'],
  },
  'supervisor.clearProcessLog': {
    params: ['name'],
    required: 1,
    doc: " Clear the stdout and stderr logs for the named process and\n        reopen them.\n\n        @param string name   The name of the process (or 'group:name')\n        @return boolean result      Always True unless error\n        ",
    signature: ['boolean', 'string'],
  },
  'supervisor.clearProcessLogs': {
    params: ['name'],
    required: 1,
    doc: " Clear the stdout and stderr logs for the named process and\n        reopen them.\n\n        @param string name   The name of the process (or 'group:name')\n        @return boolean result      Always True unless error\n        ",
    signature: ['boolean', 'string'],
  },
  'supervisor.getAPIVersion': {
    params: [],
    required: 0,
    doc: " Return the version of the RPC API used by supervisord\n\n        @return string version id\n        ",
    signature: ['string'],
  },
  'supervisor.getAllConfigInfo': {
    params: [],
    required: 0,
    doc: " Get info about all available process configurations. Each struct\n        represents a single process (i.e. groups get flattened).\n\n        @return array result  An array of process config info structs\n        ",
    signature: ['array'],
  },
  'supervisor.getAllProcessInfo': {
    params: [],
    required: 0,
    doc: " Get info about all processes\n\n        @return array result  An array of process status results\n        ",
    signature: ['array'],
  },
  'supervisor.getIdentification': {
    params: [],
    required: 0,
    doc: " Return identifying string of supervisord\n\n        @return string identifier identifying string\n        ",
    signature: ['string'],
  },
  'supervisor.getPID': {
    params: [],
    required: 0,
    doc: " Return the PID of supervisord\n\n        @return int PID\n        ",
    signature: ['int'],
  },
  'supervisor.getProcessInfo': {
    params: ['name'],
    required: 1,
    doc: " Get info about a process named name\n\n        @param string name The name of the process (or 'group:name')\n        @return struct result     A structure containing data about the process\n        ",
    signature: ['struct', 'string'],
  },
  'supervisor.getState': {
    params: [],
    required: 0,
    doc: " Return current state of supervisord as a struct\n\n        @return struct A struct with keys int statecode, string statename\n        ",
    signature: ['struct'],
  },
  'supervisor.getSupervisorVersion': {
    params: [],
    required: 0,
    doc: " Return the version of the supervisor package in use by supervisord\n\n        @return string version id\n        ",
    signature: ['string'],
  },
  'supervisor.getVersion': {
    params: [],
    required: 0,
    doc: " Return the version of the RPC API used by supervisord\n\n        @return string version id\n        ",
    signature: ['string'],
  },
  'supervisor.readLog': {
    params: ['offset', 'length'],
    required: 2,
    doc: " Read length bytes from the main log starting at offset\n\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        ",
    signature: ['string', 'int', 'int'],
  },
  'supervisor.readMainLog': {
    params: ['offset', 'length'],
    required: 2,
    doc: " Read length bytes from the main log starting at offset\n\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        ",
    signature: ['string', 'int', 'int'],
  },
  'supervisor.readProcessLog': {
    params: ['name', 'offset', 'length'],
    required: 3,
    doc: " Read length bytes from name's stdout log starting at offset\n\n        @param string name        the name of the process (or 'group:name')\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        ",
    signature: ['string', 'string', 'int', 'int'],
  },
  'supervisor.readProcessStderrLog': {
    params: ['name', 'offset', 'length'],
    required: 3,
    doc: " Read length bytes from name's stderr log starting at offset\n\n        @param string name        the name of the process (or 'group:name')\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        ",
    signature: ['string', 'string', 'int', 'int'],
  },
  'supervisor.readProcessStdoutLog': {
    params: ['name', 'offset', 'length'],
    required: 3,
    doc: " Read length bytes from name's stdout log starting at offset\n\n        @param string name        the name of the process (or 'group:name')\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        ",
    signature: ['string', 'string', 'int', 'int'],
  },
  'supervisor.reloadConfig': {
    params: [],
    required: 0,
    doc: "\n        Reload the configuration.\n\n        The result contains three arrays containing names of process\n        groups:\n\n        * `added` gives the process groups that have been added\n        * `changed` gives the process groups whose contents have\n          changed\n        * `removed` gives the process groups that are no longer\n          in the configuration\n\n        @return array result  [[added, changed, removed]]\n\n        ",
    signature: ['array'],
  },
  'supervisor.removeProcessGroup': {
    params: ['name'],
    required: 1,
    doc: " Remove a stopped process from the active configuration.\n\n        @param string name         name of process group to remove\n        @return boolean result     Indicates whether the removal was successful\n        ",
    signature: ['boolean', 'string'],
  },
  'supervisor.restart': {
    params: [],
    required: 0,
    doc: " Restart the supervisor process\n\n        @return boolean result  always return True unless error\n        ",
    signature: ['boolean'],
  },
  'supervisor.sendProcessStdin': {
    params: ['name', 'chars'],
    required: 2,
    doc: " Send a string of chars to the stdin of the process name.\n        If non-7-bit data is sent (unicode), it is encoded to utf-8\n        before being sent to the process' stdin.  If chars is not a\n        string or is not unicode, raise INCORRECT_PARAMETERS.  If the\n        process is not running, raise NOT_RUNNING.  If the process'\n        stdin cannot accept input (e.g. it was closed by the child\n        process), raise NO_FILE.\n\n        @param string name        The process name to send to (or 'group:name')\n        @param string chars       The character data to send to the process\n        @return boolean result    Always return True unless error\n        ",
    signature: ['boolean', 'string', 'string'],
  },
  'supervisor.sendRemoteCommEvent': {
    params: ['type', 'data'],
    required: 2,
    doc: " Send an event that will be received by event listener\n        subprocesses subscribing to the RemoteCommunicationEvent.\n\n        @param  string  type  String for the \"type\" key in the event header\n        @param  string  data  Data for the event body\n        @return boolean       Always return True unless error\n        ",
    signature: ['boolean', 'string', 'string'],
  },
  'supervisor.shutdown': {
    params: [],
    required: 0,
    doc: " Shut down the supervisor process\n\n        @return boolean result always returns True unless error\n        ",
    signature: ['boolean'],
  },
  'supervisor.signalAllProcesses': {
    params: ['signal'],
    required: 1,
    doc: " Send a signal to all processes in the process list\n\n        @param string signal  Signal to send, as name ('HUP') or number ('1')\n        @return array         An array of process status info structs\n        ",
    signature: ['array', 'string'],
  },
  'supervisor.signalProcess': {
    params: ['name', 'signal'],
    required: 2,
    doc: " Send an arbitrary UNIX signal to the process named by name\n\n        @param string name    Name of the process to signal (or 'group:name')\n        @param string signal  Signal to send, as name ('HUP') or number ('1')\n        @return boolean\n        ",
    signature: ['boolean', 'string', 'string'],
  },
  'supervisor.signalProcessGroup': {
    params: ['name', 'signal'],
    required: 2,
    doc: " Send a signal to all processes in the group named 'name'\n\n        @param string name    The group name\n        @param string signal  Signal to send, as name ('HUP') or number ('1')\n        @return array\n        ",
    signature: ['array', 'string', 'string'],
  },
  'supervisor.startAllProcesses': {
    params: ['wait'],
    required: 0,
    doc: " Start all processes listed in the configuration file\n\n        @param boolean wait    Wait for each process to be fully started\n        @return array result   An array of process status info structs\n        ",
    signature: ['array', 'boolean'],
  },
  'supervisor.startProcess': {
    params: ['name', 'wait'],
    required: 1,
    doc: " Start a process\n\n        @param string name Process name (or ``group:name``, or ``group:*``)\n        @param boolean wait Wait for process to be fully started\n        @return boolean result     Always true unless error\n\n        ",
    signature: ['boolean', 'string', 'boolean'],
  },
  'supervisor.startProcessGroup': {
    params: ['name', 'wait'],
    required: 1,
    doc: " Start all processes in the group named 'name'\n\n        @param string name     The group name\n        @param boolean wait    Wait for each process to be fully started\n        @return array result   An array of process status info structs\n        ",
    signature: ['array', 'string', 'boolean'],
  },
  'supervisor.stopAllProcesses': {
    params: ['wait'],
    required: 0,
    doc: " Stop all processes in the process list\n\n        @param  boolean wait   Wait for each process to be fully stopped\n        @return array result   An array of process status info structs\n        ",
    signature: ['array', 'boolean'],
  },
  'supervisor.stopProcess': {
    params: ['name', 'wait'],
    required: 1,
    doc: " Stop a process named by name\n\n        @param string name  The name of the process to stop (or 'group:name')\n        @param boolean wait        Wait for the process to be fully stopped\n        @return boolean result     Always return True unless error\n        ",
    signature: ['boolean', 'string', 'boolean'],
  },
  'supervisor.stopProcessGroup': {
    params: ['name', 'wait'],
    required: 1,
    doc: " Stop all processes in the process group named 'name'\n\n        @param string name     The group name\n        @param boolean wait    Wait for each process to be fully stopped\n        @return array result   An array of process status info structs\n        ",
    signature: ['array', 'string', 'boolean'],
  },
  'supervisor.tailProcessLog': {
    params: ['name', 'offset', 'length'],
    required: 3,
    doc: "\n        Provides a more efficient way to tail the (stdout) log than\n        readProcessStdoutLog().  Use readProcessStdoutLog() to read\n        chunks and tailProcessStdoutLog() to tail.\n\n        Requests (length) bytes from the (name)'s log, starting at\n        (offset).  If the total log size is greater than (offset +\n        length), the overflow flag is set and the (offset) is\n        automatically increased to position the buffer at the end of\n        the log.  If less than (length) bytes are available, the\n        maximum number of available bytes will be returned.  (offset)\n        returned is always the last offset in the log +1.\n\n        @param string name         the name of the process (or 'group:name')\n        @param int offset          offset to start reading from\n        @param int length          maximum number of bytes to return\n        @return array result       [string bytes, int offset, bool overflow]\n        ",
    signature: ['array', 'string', 'int', 'int'],
  },
  'supervisor.tailProcessStderrLog': {
    params: ['name', 'offset', 'length'],
    required: 3,
    doc: "\n        Provides a more efficient way to tail the (stderr) log than\n        readProcessStderrLog().  Use readProcessStderrLog() to read\n        chunks and tailProcessStderrLog() to tail.\n\n        Requests (length) bytes from the (name)'s log, starting at\n        (offset).  If the total log size is greater than (offset +\n        length), the overflow flag is set and the (offset) is\n        automatically increased to position the buffer at the end of\n        the log.  If less than (length) bytes are available, the\n        maximum number of available bytes will be returned.  (offset)\n        returned is always the last offset in the log +1.\n\n        @param string name         the name of the process (or 'group:name')\n        @param int offset          offset to start reading from\n        @param int length          maximum number of bytes to return\n        @return array result       [string bytes, int offset, bool overflow]\n        ",
    signature: ['array', 'string', 'int', 'int'],
  },
  'supervisor.tailProcessStdoutLog': {
    params: ['name', 'offset', 'length'],
    required: 3,
    doc: "\n        Provides a more efficient way to tail the (stdout) log than\n        readProcessStdoutLog().  Use readProcessStdoutLog() to read\n        chunks and tailProcessStdoutLog() to tail.\n\n        Requests (length) bytes from the (name)'s log, starting at\n        (offset).  If the total log size is greater than (offset +\n        length), the overflow flag is set and the (offset) is\n        automatically increased to position the buffer at the end of\n        the log.  If less than (length) bytes are available, the\n        maximum number of available bytes will be returned.  (offset)\n        returned is always the last offset in the log +1.\n\n        @param string name         the name of the process (or 'group:name')\n        @param int offset          offset to start reading from\n        @param int length          maximum number of bytes to return\n        @return array result       [string bytes, int offset, bool overflow]\n        ",
    signature: ['array', 'string', 'int', 'int'],
  },
  'system.listMethods': {
    params: [],
    required: 0,
    doc: " Return an array listing the available method names\n\n        @return array result  An array of method names available (strings).\n        ",
    signature: ['array'],
  },
  'system.methodHelp': {
    params: ['name'],
    required: 1,
    doc: " Return a string showing the method's documentation\n\n        @param string name   The name of the method.\n        @return string result The documentation for the method name.\n        ",
    signature: ['string', 'string'],
  },
  'system.methodSignature': {
    params: ['name'],
    required: 1,
    doc: " Return an array describing the method signature in the\n        form [rtype, ptype, ptype...] where rtype is the return data type\n        of the method, and ptypes are the parameter data types that the\n        method accepts in method argument order.\n\n        @param string name  The name of the method.\n        @return array result  The result.\n        ",
    signature: ['array', 'string'],
  },
  'system.multicall': {
    params: ['calls'],
    required: 1,
    doc: "Process an array of calls, and return an array of\n        results. Calls should be structs of the form {'methodName':\n        string, 'params': array}. Each result will either be a\n        single-item array containing the result value, or a struct of\n        the form {'faultCode': int, 'faultString': string}. This is\n        useful when you need to make lots of small calls without lots\n        of round trips.\n\n        @param array calls  An array of call requests\n        @return array result  An array of results\n        ",
    signature: ['array', 'array'],
  },
};
