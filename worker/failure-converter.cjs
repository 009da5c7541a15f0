// Loaded by path (Temporal's `failureConverterPath`), in the workflow bundle and in every client and
// worker, hence plain CommonJS. Failure messages and stack traces travel in the encoded attributes,
// so the payload codec encrypts them too: a message that quotes an address is not stored in clear.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
