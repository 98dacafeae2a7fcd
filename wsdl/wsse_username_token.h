// soapcpp2 input, written by people (like typemap.dat): the WS-Security header
// the gSOAP clients send, declared for the ONE soapcpp2 run next to what wsdl2h
// made of wsdl/ (see generated/README.md, "Outbound WS-Security").
//
// Only the OASIS WSS 1.0 UsernameToken Profile: wsse:Security holding one
// wsse:UsernameToken (Username, Password with its Type, Nonce, wsu:Created).
// The names and shapes are those of gSOAP's own import/wsse.h, cut down to the
// token: that file imports XML Signature, Encryption and SAML, and needs the
// full wsseapi plugin (smdevp, mecevp, canonicalisation) to be linked.
// Every element is optional and anything else a peer puts in wsse:Security or
// the token is kept as raw XML (__any), so an inbound Timestamp, signature or
// WSS 1.1 Salt does not fail strict parsing; checking the token is the
// verifier's job (platform/username_token.h), not the parser's.

//gsoap wsse schema namespace: http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd
//gsoap wsse schema elementForm: qualified
//gsoap wsse schema attributeForm: unqualified
//gsoap wsu schema namespace: http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd
//gsoap wsu schema elementForm: qualified
//gsoap wsu schema attributeForm: unqualified

struct _wsse__Password {
  char* __item;
  @char* Type;
};

struct _wsse__Nonce {
  char* __item;
  @char* EncodingType;
};

struct _wsse__UsernameToken {
  char* Username 0;
  struct _wsse__Password* Password 0;
  struct _wsse__Nonce* Nonce 0;
  char* wsu__Created 0;
  $int __size;
  _XML* __any;
};

struct _wsse__Security {
  struct _wsse__UsernameToken* UsernameToken 0;
  $int __size;
  _XML* __any;
};

mutable struct SOAP_ENV__Header {
  mustUnderstand struct _wsse__Security* wsse__Security 0;
};
