import { escapeXml } from '../soap/xml.js';
import type { ApiVersion } from './context.js';
import { CP_NS } from './wire.js';
import { operationShapes, type Shape } from './wsdl-types.js';

const XSD_TYPES: Record<string, string> = {
  int: 'xsd:int',
  long: 'xsd:long',
  double: 'xsd:double',
  dateTime: 'xsd:dateTime',
};

function elementXml(shape: Shape): string {
  const [spec, children] = typeof shape === 'string' ? [shape, undefined] : shape;
  const m = /^([A-Za-z0-9]+)([!*]?)(?::(\w+))?$/.exec(spec);
  if (!m) throw new Error(`bad shape ${spec}`);
  const [, name, mark, type] = m;
  const occurs = `minOccurs="${mark === '!' ? 1 : 0}"${mark === '*' ? ' maxOccurs="unbounded"' : ''}`;
  if (!children) return `<xsd:element name="${name}" type="${XSD_TYPES[type ?? ''] ?? 'xsd:string'}" ${occurs}/>`;
  return `<xsd:element name="${name}" ${occurs}><xsd:complexType><xsd:sequence>${children.map(elementXml).join('')}</xsd:sequence></xsd:complexType></xsd:element>`;
}

/**
 * The WSDL of one API version, written by the gateway (docs/fleet-api.md#wsdl): SOAP 1.1, document/literal,
 * unqualified children, SOAPAction `urn:provider/interface/chargepointservices/<op>` and the service, port and binding
 * names WSDL-driven clients look up, with soap:address at `serviceUrl` (this gateway).
 */
export function wsdlXml(version: ApiVersion, serviceUrl: string): string {
  const ops = operationShapes(version);
  const names = Object.keys(ops).sort();
  const elements = names
    .flatMap((op) => [
      `<xsd:element name="${op}"><xsd:complexType><xsd:sequence>${ops[op]!.request.map(elementXml).join('')}</xsd:sequence></xsd:complexType></xsd:element>`,
      `<xsd:element name="${op}Response"><xsd:complexType><xsd:sequence>${ops[op]!.response.map(elementXml).join('')}</xsd:sequence></xsd:complexType></xsd:element>`,
    ])
    .join('');
  const messages = names
    .map(
      (op) =>
        `<wsdl:message name="${op}Request"><wsdl:part name="parameters" element="tns:${op}"/></wsdl:message>` +
        `<wsdl:message name="${op}Response"><wsdl:part name="parameters" element="tns:${op}Response"/></wsdl:message>`,
    )
    .join('');
  const portOps = names
    .map(
      (op) =>
        `<wsdl:operation name="${op}"><wsdl:input message="tns:${op}Request"/><wsdl:output message="tns:${op}Response"/></wsdl:operation>`,
    )
    .join('');
  const bindingOps = names
    .map(
      (op) =>
        `<wsdl:operation name="${op}"><soap:operation soapAction="urn:provider/interface/chargepointservices/${op}"/>` +
        '<wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>',
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${CP_NS}" targetNamespace="${CP_NS}" name="chargepointservices">` +
    `<wsdl:documentation>ChargePoint Web Services API ${version} as served by the OCPP SOAP gateway</wsdl:documentation>` +
    `<wsdl:types><xsd:schema targetNamespace="${CP_NS}">${elements}</xsd:schema></wsdl:types>` +
    messages +
    `<wsdl:portType name="chargepointservices">${portOps}</wsdl:portType>` +
    '<wsdl:binding name="chargepointservicesSOAP" type="tns:chargepointservices">' +
    `<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps}</wsdl:binding>` +
    '<wsdl:service name="chargepointservices"><wsdl:port name="ChargepointServicesSOAP" binding="tns:chargepointservicesSOAP">' +
    `<soap:address location="${escapeXml(serviceUrl)}"/></wsdl:port></wsdl:service></wsdl:definitions>`
  );
}
