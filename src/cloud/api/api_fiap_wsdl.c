/*
 * api_fiap_wsdl.c - the WSDL of akari's IEEE 1888 storage, for SOAP
 * toolkits that build their client from GET ...?wsdl.
 *
 * The types are the FIAP schema of 2009-11 that the requests follow
 * (namespace http://gutp.jp/fiap/2009/11/) and the four wrapper
 * elements of the operations (http://soap.fiap.org/); the binding is
 * document/literal SOAP 1.1 over HTTP.  Only the service's address
 * depends on the request, and libxml2 fills it in.
 */
#include "cloud/api/api_fiap_internal.h"

#include <libxml/parser.h>
#include <string.h>

static const char wsdl[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\"\n"
"    xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\"\n"
"    xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n"
"    xmlns:f=\"http://gutp.jp/fiap/2009/11/\"\n"
"    xmlns:tns=\"http://soap.fiap.org/\"\n"
"    targetNamespace=\"http://soap.fiap.org/\">\n"
"  <wsdl:documentation>IEEE 1888 storage (WRITE and FETCH) of akari"
"</wsdl:documentation>\n"
"  <wsdl:types>\n"
"    <xs:schema targetNamespace=\"http://gutp.jp/fiap/2009/11/\"\n"
"        elementFormDefault=\"qualified\">\n"
"      <xs:simpleType name=\"uuid\">\n"
"        <xs:restriction base=\"xs:string\">\n"
"          <xs:pattern value=\"[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-"
"[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}\"/>\n"
"        </xs:restriction>\n"
"      </xs:simpleType>\n"
"      <xs:simpleType name=\"queryType\">\n"
"        <xs:restriction base=\"xs:string\">\n"
"          <xs:enumeration value=\"storage\"/>\n"
"          <xs:enumeration value=\"stream\"/>\n"
"        </xs:restriction>\n"
"      </xs:simpleType>\n"
"      <xs:simpleType name=\"attrNameType\">\n"
"        <xs:restriction base=\"xs:string\">\n"
"          <xs:enumeration value=\"time\"/>\n"
"          <xs:enumeration value=\"value\"/>\n"
"        </xs:restriction>\n"
"      </xs:simpleType>\n"
"      <xs:simpleType name=\"selectType\">\n"
"        <xs:restriction base=\"xs:string\">\n"
"          <xs:enumeration value=\"minimum\"/>\n"
"          <xs:enumeration value=\"maximum\"/>\n"
"        </xs:restriction>\n"
"      </xs:simpleType>\n"
"      <xs:simpleType name=\"trapType\">\n"
"        <xs:restriction base=\"xs:string\">\n"
"          <xs:enumeration value=\"changed\"/>\n"
"        </xs:restriction>\n"
"      </xs:simpleType>\n"
"      <xs:complexType name=\"key\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"key\" type=\"f:key\" minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"        </xs:sequence>\n"
"        <xs:attribute name=\"id\" type=\"xs:anyURI\" use=\"required\"/>\n"
"        <xs:attribute name=\"attrName\" type=\"f:attrNameType\"\n"
"            use=\"required\"/>\n"
"        <xs:attribute name=\"eq\" type=\"xs:string\"/>\n"
"        <xs:attribute name=\"neq\" type=\"xs:string\"/>\n"
"        <xs:attribute name=\"lt\" type=\"xs:string\"/>\n"
"        <xs:attribute name=\"gt\" type=\"xs:string\"/>\n"
"        <xs:attribute name=\"lteq\" type=\"xs:string\"/>\n"
"        <xs:attribute name=\"gteq\" type=\"xs:string\"/>\n"
"        <xs:attribute name=\"select\" type=\"f:selectType\"/>\n"
"        <xs:attribute name=\"trap\" type=\"f:trapType\"/>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"query\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"key\" type=\"f:key\" minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"        </xs:sequence>\n"
"        <xs:attribute name=\"id\" type=\"f:uuid\" use=\"required\"/>\n"
"        <xs:attribute name=\"type\" type=\"f:queryType\" "
"use=\"required\"/>\n"
"        <xs:attribute name=\"cursor\" type=\"f:uuid\"/>\n"
"        <xs:attribute name=\"ttl\" type=\"xs:nonNegativeInteger\"/>\n"
"        <xs:attribute name=\"acceptableSize\" "
"type=\"xs:positiveInteger\"/>\n"
"        <xs:attribute name=\"callbackData\" type=\"xs:anyURI\"/>\n"
"        <xs:attribute name=\"callbackControl\" type=\"xs:anyURI\"/>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"error\">\n"
"        <xs:simpleContent>\n"
"          <xs:extension base=\"xs:string\">\n"
"            <xs:attribute name=\"type\" type=\"xs:string\" "
"use=\"required\"/>\n"
"          </xs:extension>\n"
"        </xs:simpleContent>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"OK\"/>\n"
"      <xs:complexType name=\"header\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"OK\" type=\"f:OK\" minOccurs=\"0\"/>\n"
"          <xs:element name=\"error\" type=\"f:error\" minOccurs=\"0\"/>\n"
"          <xs:element name=\"query\" type=\"f:query\" minOccurs=\"0\"/>\n"
"        </xs:sequence>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"value\">\n"
"        <xs:simpleContent>\n"
"          <xs:extension base=\"xs:string\">\n"
"            <xs:attribute name=\"time\" type=\"xs:dateTime\"/>\n"
"          </xs:extension>\n"
"        </xs:simpleContent>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"point\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"value\" type=\"f:value\" minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"        </xs:sequence>\n"
"        <xs:attribute name=\"id\" type=\"xs:anyURI\" use=\"required\"/>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"pointSet\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"pointSet\" type=\"f:pointSet\" "
"minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"          <xs:element name=\"point\" type=\"f:point\" minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"        </xs:sequence>\n"
"        <xs:attribute name=\"id\" type=\"xs:anyURI\" use=\"required\"/>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"body\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"pointSet\" type=\"f:pointSet\" "
"minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"          <xs:element name=\"point\" type=\"f:point\" minOccurs=\"0\"\n"
"              maxOccurs=\"unbounded\"/>\n"
"        </xs:sequence>\n"
"      </xs:complexType>\n"
"      <xs:complexType name=\"transport\">\n"
"        <xs:sequence>\n"
"          <xs:element name=\"header\" type=\"f:header\" "
"minOccurs=\"0\"/>\n"
"          <xs:element name=\"body\" type=\"f:body\" minOccurs=\"0\"/>\n"
"        </xs:sequence>\n"
"      </xs:complexType>\n"
"      <xs:element name=\"transport\" type=\"f:transport\"/>\n"
"    </xs:schema>\n"
"    <xs:schema targetNamespace=\"http://soap.fiap.org/\"\n"
"        elementFormDefault=\"qualified\">\n"
"      <xs:import namespace=\"http://gutp.jp/fiap/2009/11/\"/>\n"
"      <xs:element name=\"dataRQ\"><xs:complexType><xs:sequence>\n"
"        <xs:element ref=\"f:transport\"/>\n"
"      </xs:sequence></xs:complexType></xs:element>\n"
"      <xs:element name=\"dataRS\"><xs:complexType><xs:sequence>\n"
"        <xs:element ref=\"f:transport\"/>\n"
"      </xs:sequence></xs:complexType></xs:element>\n"
"      <xs:element name=\"queryRQ\"><xs:complexType><xs:sequence>\n"
"        <xs:element ref=\"f:transport\"/>\n"
"      </xs:sequence></xs:complexType></xs:element>\n"
"      <xs:element name=\"queryRS\"><xs:complexType><xs:sequence>\n"
"        <xs:element ref=\"f:transport\"/>\n"
"      </xs:sequence></xs:complexType></xs:element>\n"
"    </xs:schema>\n"
"  </wsdl:types>\n"
"  <wsdl:message name=\"dataSoapIn\">\n"
"    <wsdl:part name=\"parameters\" element=\"tns:dataRQ\"/>\n"
"  </wsdl:message>\n"
"  <wsdl:message name=\"dataSoapOut\">\n"
"    <wsdl:part name=\"parameters\" element=\"tns:dataRS\"/>\n"
"  </wsdl:message>\n"
"  <wsdl:message name=\"querySoapIn\">\n"
"    <wsdl:part name=\"parameters\" element=\"tns:queryRQ\"/>\n"
"  </wsdl:message>\n"
"  <wsdl:message name=\"querySoapOut\">\n"
"    <wsdl:part name=\"parameters\" element=\"tns:queryRS\"/>\n"
"  </wsdl:message>\n"
"  <wsdl:portType name=\"FIAPServiceSoap\">\n"
"    <wsdl:operation name=\"data\">\n"
"      <wsdl:input message=\"tns:dataSoapIn\"/>\n"
"      <wsdl:output message=\"tns:dataSoapOut\"/>\n"
"    </wsdl:operation>\n"
"    <wsdl:operation name=\"query\">\n"
"      <wsdl:input message=\"tns:querySoapIn\"/>\n"
"      <wsdl:output message=\"tns:querySoapOut\"/>\n"
"    </wsdl:operation>\n"
"  </wsdl:portType>\n"
"  <wsdl:binding name=\"FIAPServiceSoap\" type=\"tns:FIAPServiceSoap\">\n"
"    <soap:binding transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n"
"    <wsdl:operation name=\"data\">\n"
"      <soap:operation soapAction=\"http://soap.fiap.org/data\"\n"
"          style=\"document\"/>\n"
"      <wsdl:input><soap:body use=\"literal\"/></wsdl:input>\n"
"      <wsdl:output><soap:body use=\"literal\"/></wsdl:output>\n"
"    </wsdl:operation>\n"
"    <wsdl:operation name=\"query\">\n"
"      <soap:operation soapAction=\"http://soap.fiap.org/query\"\n"
"          style=\"document\"/>\n"
"      <wsdl:input><soap:body use=\"literal\"/></wsdl:input>\n"
"      <wsdl:output><soap:body use=\"literal\"/></wsdl:output>\n"
"    </wsdl:operation>\n"
"  </wsdl:binding>\n"
"  <wsdl:service name=\"FIAPStorage\">\n"
"    <wsdl:port name=\"FIAPServiceSoap\" binding=\"tns:FIAPServiceSoap\">\n"
"      <soap:address location=\"\"/>\n"
"    </wsdl:port>\n"
"  </wsdl:service>\n"
"</wsdl:definitions>\n";

/* The element {ns}name anywhere under n, depth first, or NULL. */
static xmlNodePtr find(xmlNodePtr n, const char *ns, const char *name)
{
	for (; n; n = n->next) {
		xmlNodePtr hit;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->ns && !strcmp((const char *)n->ns->href, ns) &&
		    !strcmp((const char *)n->name, name))
			return n;
		hit = find(n->children, ns, name);
		if (hit)
			return hit;
	}
	return NULL;
}

xmlDocPtr fiap_wsdl(const char *location)
{
	xmlDocPtr doc = xmlReadMemory(wsdl, (int)sizeof wsdl - 1, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlNodePtr addr = doc ? find(xmlDocGetRootElement(doc),
				     "http://schemas.xmlsoap.org/wsdl/soap/",
				     "address")
			      : NULL;

	if (addr)
		xmlSetProp(addr, (const xmlChar *)"location",
			   (const xmlChar *)location);
	return doc;
}
