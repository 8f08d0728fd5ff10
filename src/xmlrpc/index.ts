// The XML-RPC codec: 4.2.5's wire format for both ends (server in src/rpc, client in src/ctl).
export { decodeMethodCall, type MethodCall } from './decode-call.js';
export { decodeResponse } from './decode-response.js';
export { encodeFault, encodeMethodCall, encodeResponse, encodeValue } from './encode.js';
export { XmlRpcDouble, XmlRpcError, XmlRpcFault, type XmlRpcErrorCode, type XmlRpcStruct, type XmlRpcValue } from './values.js';
