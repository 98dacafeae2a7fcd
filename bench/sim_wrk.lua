-- wrk script for the simulator alone (docs/performance.md): POSTs one fixed
-- CreateMigrationWorkOrder envelope to /workorder and prints the request and
-- error counts. wrk -t2 -c64 -d3s -s bench/sim_wrk.lua http://127.0.0.1:PORT/workorder
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = "\"urn:CreateMigrationWorkOrder\""
wrk.body = '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wo="http://schemas.cableco.example/fieldops/workorder/migration/v1"><s:Body><wo:CreateMigrationWorkOrderRequest><wo:telephoneNumber>447874384949</wo:telephoneNumber><wo:accountNumber>123456789</wo:accountNumber><wo:siteReference>42</wo:siteReference><wo:migrationType>TDM_TO_VOC</wo:migrationType></wo:CreateMigrationWorkOrderRequest></s:Body></s:Envelope>'
done = function(summary, latency, requests)
  io.write(string.format("REQ %d ERR %d\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
