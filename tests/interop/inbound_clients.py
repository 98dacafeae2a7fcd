"""Third-party SOAP clients of the adapter's SOAP face, behind one small interface.

Each loads the WSDL from the running adapter (GET /soap?wsdl), calls
CreateVOIPMigrationWorkOrder through the types it generated from it, and keeps
the raw envelopes of the last exchange for schema validation.

  call(telephone, account, site) -> the client's own typed result object
  last_exchange()                -> (request bytes, response bytes) as on the wire
  address()                      -> the endpoint the client took from the WSDL
  close()                        -> drops kept-alive connections (so the adapter stops at once)
"""
import json
import logging
import os
import subprocess
from types import SimpleNamespace

SPM_NS = "http://schemas.cableco.example/spm/voip-migration/v1"


class ZeepClient:
    """python3-zeep (Debian), with its HistoryPlugin recording the envelopes."""

    STACK = "zeep"

    def __init__(self, wsdl_url):
        import zeep
        from zeep.plugins import HistoryPlugin
        from lxml import etree
        self._etree = etree
        self._history = HistoryPlugin()
        settings = zeep.Settings(strict=True, xml_huge_tree=False)
        self._client = zeep.Client(wsdl_url, plugins=[self._history], settings=settings)
        self._service = self._client.service

    def call(self, telephone, account, site):
        return self._service.CreateVOIPMigrationWorkOrder(
            telephoneNumber=telephone,
            accountIdentification={"accountNumber": account, "siteReference": site})

    def last_exchange(self):
        return (self._etree.tostring(self._history.last_sent["envelope"]),
                self._etree.tostring(self._history.last_received["envelope"]))

    def address(self):
        return self._service._binding_options["address"]

    def close(self):
        self._client.transport.session.close()


class SudsClient:
    """python3-suds (Debian, the suds-community fork), with a MessagePlugin recording the envelopes."""

    STACK = "suds"

    def __init__(self, wsdl_url):
        from suds.client import Client
        from suds.plugin import MessagePlugin

        logging.getLogger("suds").setLevel(logging.CRITICAL)
        exchange = self._exchange = {}

        class Recorder(MessagePlugin):
            def sending(self, context):
                exchange["sent"] = bytes(context.envelope)

            def received(self, context):
                exchange["received"] = bytes(context.reply)

        self._client = Client(wsdl_url, plugins=[Recorder()], cache=None)

    def call(self, telephone, account, site):
        identification = self._client.factory.create(f"{{{SPM_NS}}}AccountIdentification")
        identification.accountNumber = account
        identification.siteReference = site
        return self._client.service.CreateVOIPMigrationWorkOrder(
            telephoneNumber=telephone, accountIdentification=identification)

    def last_exchange(self):
        return self._exchange["sent"], self._exchange["received"]

    def address(self):
        return self._client.wsdl.services[0].ports[0].location

    def close(self):
        pass  # urllib: one connection per request


CLIENTS = {"zeep": ZeepClient, "suds": SudsClient}


class NodeSoapClient:
    """node-soap's client (npm `soap`), one node process per call (node_soap_client.js).

    node-soap hands back plain objects parsed by the WSDL's schema; they are
    turned into attribute objects here, so the test reads them like the others.
    """

    STACK = "node-soap"

    def __init__(self, wsdl_url):
        self._wsdl_url = wsdl_url
        self._endpoint = self._run(None)["endpoint"]  # loads the WSDL once up front, as the others do
        self._last = None

    def _run(self, request):
        here = os.path.dirname(os.path.abspath(__file__))
        done = subprocess.run(["node", os.path.join(here, "node_soap_client.js"), self._wsdl_url]
                              + ([json.dumps(request)] if request is not None else []),
                              capture_output=True, text=True, timeout=30,
                              env={**os.environ, "NODE_PATH": os.path.join(here, "node_modules")})
        if done.returncode != 0:
            raise RuntimeError(f"node-soap client failed: {done.stderr.strip()}")
        return json.loads(done.stdout)

    def call(self, telephone, account, site):
        self._last = self._run({"telephoneNumber": telephone,
                                "accountIdentification": {"accountNumber": account, "siteReference": site}})
        return _attributes(self._last["result"])

    def last_exchange(self):
        return self._last["request"].encode("utf-8"), self._last["response"].encode("utf-8")

    def address(self):
        return self._endpoint

    def close(self):
        pass  # one node process per call


def _attributes(value):
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _attributes(v) for k, v in value.items() if k != "attributes"})
    if isinstance(value, list):
        return [_attributes(v) for v in value]
    return value


CLIENTS["node-soap"] = NodeSoapClient
