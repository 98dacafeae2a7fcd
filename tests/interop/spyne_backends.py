"""Independent implementations of the work-order system and MIDAS in spyne.

Built by hand from wsdl/WorkOrderService.wsdl and wsdl/MidasCustomerService.wsdl
(spyne has no WSDL-to-code generator): the same namespaces, wrapper elements,
element order, types and restrictions, and the typed fault details. spyne
validates every request against the schema it derives from these models
(validator="lxml") and serialises its answers and faults itself, so nothing of
gSOAP is on this side. The tests then validate both directions against the
WSDLs' own schemas with xmllint, which catches any drift of these models.

Outcomes follow the telephone number (a different vocabulary from the gSOAP
simulators, so a test cannot pass by accident on the simulators' constants):
  447700800001  work order: Client fault, WorkOrderFault INTEROP-B1 (BUSINESS)
  447700800002  work order: Server fault, WorkOrderFault INTEROP-S1 (SYSTEM)
  447700800003  MIDAS: Client fault, MidasFault INTEROP-M2 (BUSINESS)
  anything else success: orderNumber "SPY-" + 6 digits; updateReference "SPYUPD-" + 6 digits

Serves both on one loopback port (POST /workorder, POST /midas) from a
background thread; every exchange (request and response bodies, headers,
status) is recorded for the test.
"""
import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree
from spyne import Application, Boolean, ComplexModel, Date, Integer32, ServiceBase, Unicode, rpc
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

# spyne logs every fault it raises with a traceback; the faults here are deliberate.
logging.getLogger("spyne").setLevel(logging.CRITICAL)

WO_NS = "http://schemas.cableco.example/fieldops/workorder/migration/v1"
MIDAS_NS = "http://schemas.cableco.example/midas/customer/migration/v1"

BUSINESS_FAULT_NUMBER = "447700800001"
SYSTEM_FAULT_NUMBER = "447700800002"
MIDAS_FAULT_NUMBER = "447700800003"
WORK_ORDER_BUSINESS_FAULT = ("INTEROP-B1", "Exchange not scheduled for VoC migration <&> yet")
WORK_ORDER_SYSTEM_FAULT = ("INTEROP-S1", "Dispatch queue offline")
MIDAS_FAULT = ("INTEROP-M2", "Customer record archived")
STACK = "spyne"
ORDER_PATTERN = r"^SPY-\d{6}$"


def _telephone():
    return Unicode(pattern="[0-9]{7,15}", min_occurs=1, nillable=False)


def _bounded(max_len, min_len=1, required=True):
    return Unicode(min_len=min_len, max_len=max_len, min_occurs=1 if required else 0, nillable=False)


def _typed_fault(faultcode, namespace, element, code, message, category):
    """A SOAP 1.1 fault whose detail is the WSDL's typed element."""
    detail = etree.Element("detail")
    entry = etree.SubElement(detail, f"{{{namespace}}}{element}", nsmap={"ns": namespace})
    for name, value in (("code", code), ("message", message), ("category", category)):
        etree.SubElement(entry, f"{{{namespace}}}{name}").text = value
    fault = Fault(faultcode=faultcode, faultstring=message)
    fault.detail = entry  # spyne wraps a raw element in <detail>
    return fault


class WorkOrderService(ServiceBase):
    @rpc(_telephone(), _bounded(32), Integer32(min_occurs=1, nillable=False),
         Unicode(values=["TDM_TO_VOC"], min_occurs=1, nillable=False),
         Unicode(min_occurs=0, nillable=False), _bounded(64, required=False),
         _in_message_name="CreateMigrationWorkOrderRequest",
         _in_variable_names={"telephone_number": "telephoneNumber", "account_number": "accountNumber",
                             "site_reference": "siteReference", "migration_type": "migrationType",
                             "requesting_system": "requestingSystem", "correlation_id": "correlationId"},
         _operation_name="CreateMigrationWorkOrder",
         _out_message_name="CreateMigrationWorkOrderResponse",
         _returns=(_bounded(20), Date(min_occurs=0)),
         _out_variable_names=("orderNumber", "scheduledDate"))
    def CreateMigrationWorkOrder(ctx, telephone_number, account_number, site_reference,
                                 migration_type, requesting_system, correlation_id):
        backends = ctx.app.backends
        if telephone_number == BUSINESS_FAULT_NUMBER:
            raise _typed_fault("Client", WO_NS, "WorkOrderFault", *WORK_ORDER_BUSINESS_FAULT, "BUSINESS")
        if telephone_number == SYSTEM_FAULT_NUMBER:
            raise _typed_fault("Server", WO_NS, "WorkOrderFault", *WORK_ORDER_SYSTEM_FAULT, "SYSTEM")
        return backends.next_order_number(), None


class MidasService(ServiceBase):
    @rpc(_bounded(32), Integer32(min_occurs=1, nillable=False), _telephone(),
         Unicode(values=["WORK_ORDER_CREATED", "WORK_ORDER_FAILED", "WORK_ORDER_OUTCOME_UNKNOWN"],
                 min_occurs=1, nillable=False),
         _bounded(20, required=False), Unicode(max_len=512, min_occurs=0, nillable=False),
         _bounded(64, required=False),
         _in_message_name="UpdateCustomerMigrationStatusRequest",
         _in_variable_names={"account_number": "accountNumber", "site_reference": "siteReference",
                             "telephone_number": "telephoneNumber", "migration_status": "migrationStatus",
                             "order_number": "orderNumber", "reason": "reason",
                             "correlation_id": "correlationId"},
         _operation_name="UpdateCustomerMigrationStatus",
         _out_message_name="UpdateCustomerMigrationStatusResponse",
         _returns=(Boolean(min_occurs=1, nillable=False), Unicode(min_occurs=0)),
         _out_variable_names=("acknowledged", "updateReference"))
    def UpdateCustomerMigrationStatus(ctx, account_number, site_reference, telephone_number,
                                      migration_status, order_number, reason, correlation_id):
        if telephone_number == MIDAS_FAULT_NUMBER:
            raise _typed_fault("Client", MIDAS_NS, "MidasFault", *MIDAS_FAULT, "BUSINESS")
        return True, ctx.app.backends.next_update_reference()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Exchange:
    """One recorded HTTP exchange with a spyne backend."""

    def __init__(self, path, headers, request):
        self.path, self.headers, self.request = path, headers, request
        self.status, self.response = None, b""


class Backends:
    """Both spyne services on one loopback port; a context manager."""

    def __init__(self, wsdl_dir=None):
        self.exchanges = []
        self._lock = threading.Lock()
        self._orders = 0
        self._updates = 0
        apps = {}
        for path, service, namespace, name in (("/workorder", WorkOrderService, WO_NS, "WorkOrderService"),
                                               ("/midas", MidasService, MIDAS_NS, "MidasCustomerService")):
            app = Application([service], tns=namespace, name=name,
                              in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
            app.backends = self
            apps[path] = WsgiApplication(app)
        self._apps = apps
        self._server = make_server("127.0.0.1", 0, self._wsgi, server_class=WSGIServer,
                                   handler_class=_QuietHandler)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def next_order_number(self):
        with self._lock:
            self._orders += 1
            return f"SPY-{self._orders:06d}"

    def next_update_reference(self):
        with self._lock:
            self._updates += 1
            return f"SPYUPD-{self._updates:06d}"

    def received(self, path):
        with self._lock:
            return [e for e in self.exchanges if e.path == path]

    def clear(self):
        with self._lock:
            self.exchanges.clear()

    def _wsgi(self, environ, start_response):
        import io
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        exchange = Exchange(environ.get("PATH_INFO", ""), headers, body)
        with self._lock:
            self.exchanges.append(exchange)
        app = self._apps.get(exchange.path)
        if app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            exchange.status = 404
            return [b"not found"]
        environ["wsgi.input"] = io.BytesIO(body)

        def recording_start(status, response_headers, exc_info=None):
            exchange.status = int(status.split()[0])
            return start_response(status, response_headers, exc_info)

        exchange.response = b"".join(app(environ, recording_start))
        return [exchange.response]

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
