#!/usr/bin/env node
// Independent implementations of the work-order system and MIDAS with node-soap
// (npm `soap`, server side), built from the project's WSDL files themselves:
// node-soap reads wsdl/WorkOrderService.wsdl and wsdl/MidasCustomerService.wsdl,
// parses requests by them and serialises answers by them. Nothing of gSOAP is on
// this side.
//
// usage: node node_soap_backends.js WSDL_DIR
// Serves both on one free loopback port and prints exactly one line,
//   node-soap backends listening on http://127.0.0.1:PORT
// then serves:
//   POST /workorder, POST /midas   the two services
//   GET  /__received               every exchange so far (JSON: path, headers, request, status, response)
//   DELETE /__received             forget them
// Exits on SIGTERM/SIGINT or when stdin closes (so it never outlives its test).
//
// Outcomes follow the telephone number (not the gSOAP simulators' triggers):
//   447700700001  work order: Client fault, typed WorkOrderFault NODE-B1 (BUSINESS)
//   447700700002  work order: Server fault, typed WorkOrderFault NODE-S1 (SYSTEM)
//   447700700003  MIDAS: Server fault, typed MidasFault NODE-M5 (SYSTEM)
//   anything else  success: orderNumber "NODE-" + 6 digits; updateReference "NODEUPD-" + 6 digits
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const soap = require('soap');

const WO_NS = 'http://schemas.cableco.example/fieldops/workorder/migration/v1';
const MIDAS_NS = 'http://schemas.cableco.example/midas/customer/migration/v1';
const FAULTS = {
  '447700700001': ['soap:Client', 'wo', WO_NS, 'WorkOrderFault', 'NODE-B1', 'Engineer calendar closed for this exchange', 'BUSINESS'],
  '447700700002': ['soap:Server', 'wo', WO_NS, 'WorkOrderFault', 'NODE-S1', 'Order store unavailable', 'SYSTEM'],
};
const MIDAS_FAULTS = {
  '447700700003': ['soap:Server', 'midas', MIDAS_NS, 'MidasFault', 'NODE-M5', 'Customer index rebuilding', 'SYSTEM'],
};

function typedFault([faultcode, prefix, ns, element, code, message, category]) {
  const entry = {attributes: {[`xmlns:${prefix}`]: ns}};
  entry[`${prefix}:code`] = code;
  entry[`${prefix}:message`] = message;
  entry[`${prefix}:category`] = category;
  return {Fault: {faultcode, faultstring: message, detail: {[`${prefix}:${element}`]: entry}, statusCode: 500}};
}

let orders = 0;
let updates = 0;
const pad = (n) => String(n).padStart(6, '0');

const workOrderService = {WorkOrderService: {WorkOrderPort: {
  CreateMigrationWorkOrder(args) {
    const fault = FAULTS[args.telephoneNumber];
    if (fault) throw typedFault(fault);
    orders += 1;
    return {orderNumber: `NODE-${pad(orders)}`};
  },
}}};

const midasService = {MidasCustomerService: {MidasCustomerPort: {
  UpdateCustomerMigrationStatus(args) {
    const fault = MIDAS_FAULTS[args.telephoneNumber];
    if (fault) throw typedFault(fault);
    updates += 1;
    return {acknowledged: true, updateReference: `NODEUPD-${pad(updates)}`};
  },
}}};

const exchanges = [];

function received(req, res) {
  if (req.method === 'DELETE') exchanges.length = 0;
  res.setHeader('Content-Type', 'application/json');
  res.end(req.method === 'DELETE' ? '[]' : JSON.stringify(exchanges));
}

// Records each exchange on the wire, then lets node-soap answer.
function record(req, res) {
  const chunks = [];
  const exchange = {path: req.url, headers: req.headers, request: '', status: 0, response: ''};
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  const out = [];
  res.write = (chunk, ...rest) => { if (chunk) out.push(Buffer.from(chunk)); return write(chunk, ...rest); };
  res.end = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') out.push(Buffer.from(chunk));
    exchange.status = res.statusCode;
    exchange.response = Buffer.concat(out).toString('utf8');
    return end(chunk, ...rest);
  };
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => { exchange.request = Buffer.concat(chunks).toString('utf8'); });
  exchanges.push(exchange);
}

const server = http.createServer();
// Sees every request before node-soap's own listeners do.
const emit = server.emit.bind(server);
server.emit = (event, ...args) => {
  if (event === 'request') {
    const [req, res] = args;
    if (req.url === '/__received') {
      received(req, res);
      return true;
    }
    if (req.method === 'POST') record(req, res);
  }
  return emit(event, ...args);
};

const wsdlDir = process.argv[2];
const readWsdl = (name) => fs.readFileSync(path.join(wsdlDir, name), 'utf8');
// Each service is listened on once its WSDL is loaded, one after the other (node-soap chains
// its request listeners); the port is announced when both are ready.
function listen(servicePath, services, wsdlFile) {
  return new Promise((resolve, reject) => {
    soap.listen(server, {path: servicePath, services, xml: readWsdl(wsdlFile), suppressStack: true,
                         callback: (err) => (err ? reject(err) : resolve())});
  });
}
listen('/workorder', workOrderService, 'WorkOrderService.wsdl')
  .then(() => listen('/midas', midasService, 'MidasCustomerService.wsdl'))
  .then(() => server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`node-soap backends listening on http://127.0.0.1:${server.address().port}\n`);
  }))
  .catch((err) => {
    process.stderr.write(`node-soap backends: ${err}\n`);
    process.exit(1);
  });

const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
