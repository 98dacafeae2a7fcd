"""Validates SOAP messages with `xmllint --schema` against the XSD inside a WSDL.

The schema is extracted from the WSDL's <wsdl:types> at test time (never a second
copy that could drift). A SOAP 1.1 or 1.2 envelope is checked by validating the
Body's child on its own, with the schema's namespace declarations carried along.
SOAP Faults are checked too: the typed detail element must validate.

Used by the interoperability and regression tests (Debian python3-lxml and
libxml2-utils, run with /usr/bin/python3).
"""
import os
import subprocess
import tempfile

from lxml import etree

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
SOAP_ENVELOPES = ("http://schemas.xmlsoap.org/soap/envelope/",
                  "http://www.w3.org/2003/05/soap-envelope")


class SchemaError(AssertionError):
    """A message did not validate; the text says which message and why."""


class WsdlSchema:
    """The XML Schema of one WSDL, written to a temporary file for xmllint."""

    def __init__(self, wsdl_path, workdir):
        self.wsdl_path = wsdl_path
        tree = etree.parse(wsdl_path)
        schemas = tree.findall(f"{{{WSDL_NS}}}types/{{{XS_NS}}}schema")
        if len(schemas) != 1:
            raise SchemaError(f"{wsdl_path}: expected one xs:schema in wsdl:types, found {len(schemas)}")
        schema = etree.fromstring(etree.tostring(schemas[0]))  # a standalone copy keeps inherited xmlns
        self.target_namespace = schema.get("targetNamespace")
        name = os.path.splitext(os.path.basename(wsdl_path))[0]
        self.xsd_path = os.path.join(workdir, name + ".xsd")
        with open(self.xsd_path, "wb") as out:
            out.write(etree.tostring(schema, xml_declaration=True, encoding="UTF-8"))
        self._workdir = workdir
        self._count = 0

    def validate_element(self, element, what):
        """Validates one element (the Body child or a fault detail) with xmllint."""
        self._count += 1
        path = os.path.join(self._workdir, f"message-{self._count}.xml")
        with open(path, "wb") as out:
            out.write(etree.tostring(element, xml_declaration=True, encoding="UTF-8"))
        result = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", self.xsd_path, path],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise SchemaError(f"{what} does not validate against the schema of "
                              f"{os.path.basename(self.wsdl_path)}:\n{result.stderr.strip()}\n"
                              f"message:\n{etree.tostring(element, encoding='unicode')}")

    def validate_envelope(self, raw, what):
        """Validates a whole SOAP envelope (bytes or str): its Body child, or for
        a Fault its detail's children. Returns the validated element(s)."""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            envelope = etree.fromstring(raw, parser)
        except etree.XMLSyntaxError as error:
            raise SchemaError(f"{what} is not well-formed XML: {error}\n{raw[:400]!r}") from None
        soap_ns = etree.QName(envelope).namespace
        if etree.QName(envelope).localname != "Envelope" or soap_ns not in SOAP_ENVELOPES:
            raise SchemaError(f"{what} is not a SOAP envelope: {etree.QName(envelope)}")
        body = envelope.find(f"{{{soap_ns}}}Body")
        children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
        if len(children) != 1:
            raise SchemaError(f"{what}: the SOAP Body must hold exactly one element, found {len(children)}")
        child = children[0]
        if etree.QName(child).localname == "Fault" and etree.QName(child).namespace == soap_ns:
            return self._validate_fault(child, soap_ns, what)
        self.validate_element(child, what)
        return [child]

    def _validate_fault(self, fault, soap_ns, what):
        # SOAP 1.1: <detail>; SOAP 1.2: <env:Detail>.
        detail = next((c for c in fault if isinstance(c.tag, str)
                       and etree.QName(c).localname in ("detail", "Detail")), None)
        if detail is None:
            raise SchemaError(f"{what}: a SOAP Fault without detail; this schema declares typed details")
        entries = [c for c in detail if isinstance(c.tag, str)]
        if not entries:
            raise SchemaError(f"{what}: an empty fault detail")
        for entry in entries:
            self.validate_element(entry, what + " (fault detail)")
        return entries
