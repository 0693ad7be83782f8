/**
 * Preloaded (`node --require`) into each function process of the local stack, before functions-framework:
 * - the framework listens with `server.listen(port)`, i.e. on every interface; this binds it to
 *   LOCAL_BIND_HOST (default 127.0.0.1) instead, for the server listening on PORT;
 * - once that server listens, it tells the parent over the IPC channel ({type: 'listening', port, address}),
 *   so the parent knows its own child holds the port, never another process that happens to listen there;
 * - when the parent goes away (the IPC channel closes, even after a SIGKILL), the process exits: no function
 *   is left running on its own.
 * Local stack only; the deployed bundles never see this file.
 */
'use strict';
const net = require('node:net');

const host = process.env.LOCAL_BIND_HOST || '127.0.0.1';
const port = Number(process.env.PORT);
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  const samePort =
    typeof first === 'number' ? first === port : typeof first === 'string' && Number(first) === port;
  if (samePort && typeof args[1] !== 'string') {
    args.splice(1, 0, host);
    this.once('listening', () => {
      const address = this.address();
      if (process.send && address && typeof address === 'object') {
        process.send({ type: 'listening', port: address.port, address: address.address });
      }
    });
  }
  return listen.apply(this, args);
};

if (process.send) process.on('disconnect', () => process.exit(0));
