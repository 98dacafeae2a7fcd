#!/usr/bin/env node
// One call of CreateVOIPMigrationWorkOrder with node-soap (npm `soap`, client
// side), for the inbound interop test.
//
// usage: node node_soap_client.js WSDL_URL [REQUEST_JSON]
// Loads the WSDL from the adapter; without REQUEST_JSON prints {"endpoint": ...}
// and stops. Otherwise calls the operation with REQUEST_JSON
// ({"telephoneNumber": ..., "accountIdentification": {...}}) and prints one
// JSON object: {"result": <node-soap's parsed response>, "request": <envelope
// sent>, "response": <envelope received>, "endpoint": <address from the WSDL>}.
// Exits 1 with the error on stderr when the call fails.
'use strict';

const soap = require('soap');

async function main() {
  const [wsdlUrl, requestJson] = process.argv.slice(2);
  const client = await soap.createClientAsync(wsdlUrl, {disableCache: true});
  const endpoint = client.wsdl.services.VOIPMigrationWorkOrderService.ports.VOIPMigrationWorkOrderPort.location;
  if (!requestJson) {
    process.stdout.write(JSON.stringify({endpoint}) + '\n');
    return;
  }
  const [result] = await client.CreateVOIPMigrationWorkOrderAsync(JSON.parse(requestJson));
  process.stdout.write(JSON.stringify({
    result,
    request: client.lastRequest,
    response: client.lastResponse,
    endpoint,
  }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`node-soap client: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
